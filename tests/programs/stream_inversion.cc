// Buggy: a logger holds stdout's stream lock (flockfile, to keep a record's
// lines together) while it takes the stats mutex to add the counters, and a
// reporter holding the stats mutex locks stdout to print them: a latent
// AB/BA deadlock between a stdio stream and a mutex. The two run one after
// the other, so the run ends; the lock order shows it all the same.
// Expected findings: lock-order-inversion naming stream `stdout`.
#include <pthread.h>
#include <stdio.h>

#include <cstdio>

namespace {

pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
long lines_logged = 0;

void* Logger(void*) {
  flockfile(stdout);
  std::fputs("record: start\n", stdout);
  pthread_mutex_lock(&stats_lock);
  ++lines_logged;
  pthread_mutex_unlock(&stats_lock);
  std::fputs("record: end\n", stdout);
  funlockfile(stdout);
  return nullptr;
}

void* Reporter(void*) {
  pthread_mutex_lock(&stats_lock);
  flockfile(stdout);
  std::printf("%ld lines logged\n", lines_logged);
  funlockfile(stdout);
  pthread_mutex_unlock(&stats_lock);
  return nullptr;
}

}  // namespace

int main() {
  pthread_t thread;
  pthread_create(&thread, nullptr, Logger, nullptr);
  pthread_join(thread, nullptr);
  pthread_create(&thread, nullptr, Reporter, nullptr);
  pthread_join(thread, nullptr);
}
