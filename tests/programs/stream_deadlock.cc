// Buggy: the same logger and reporter as stream_inversion, but at the same
// time: the logger holds stdout's stream lock and the reporter the stats
// mutex before either asks for the other's (a latch), so they deadlock every
// run. Expected findings: deadlock (the wait-for cycle through the stream,
// found when it closes: the stream's holder is read from glibc's lock) and
// lock-order-inversion.
#include <pthread.h>
#include <stdio.h>

#include <cstdio>
#include <latch>

namespace {

pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
long lines_logged = 0;
std::latch both_hold(2);

void* Logger(void*) {
  flockfile(stdout);
  std::fputs("record: start\n", stdout);
  both_hold.arrive_and_wait();
  pthread_mutex_lock(&stats_lock);  // held by the reporter, which waits for stdout
  ++lines_logged;
  pthread_mutex_unlock(&stats_lock);
  funlockfile(stdout);
  return nullptr;
}

void* Reporter(void*) {
  pthread_mutex_lock(&stats_lock);
  both_hold.arrive_and_wait();
  flockfile(stdout);  // held by the logger, which waits for stats_lock
  std::printf("%ld lines\n", lines_logged);
  funlockfile(stdout);
  pthread_mutex_unlock(&stats_lock);
  return nullptr;
}

}  // namespace

int main() {
  pthread_t logger;
  pthread_t reporter;
  pthread_create(&logger, nullptr, Logger, nullptr);
  pthread_create(&reporter, nullptr, Reporter, nullptr);
  pthread_join(logger, nullptr);
  pthread_join(reporter, nullptr);
}
