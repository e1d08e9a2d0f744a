// Buggy: shutdown tears down the job queue's condition variable while its
// consumer still waits on it, and nobody ever signals it (POSIX: undefined;
// glibc's pthread_cond_destroy waits for the waiter, which never wakes, so
// the program hangs in the destroy). The consumer is known to be inside its
// wait once main can take the queue's mutex after the consumer said it
// waits. Expected findings: mutex-misuse (destroy-waited) with the
// destroy's line, and the hang.
#include <pthread.h>
#include <sched.h>

#include <cstdio>

namespace {

pthread_cond_t jobs_ready;
pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
bool consumer_waiting = false;
int jobs = 0;

void* Consumer(void*) {
  pthread_mutex_lock(&jobs_lock);
  consumer_waiting = true;
  while (jobs == 0) pthread_cond_wait(&jobs_ready, &jobs_lock);
  --jobs;
  pthread_mutex_unlock(&jobs_lock);
  return nullptr;
}

}  // namespace

int main() {
  pthread_cond_init(&jobs_ready, nullptr);
  pthread_t consumer;
  pthread_create(&consumer, nullptr, Consumer, nullptr);
  for (bool waiting = false; !waiting;) {
    pthread_mutex_lock(&jobs_lock);
    waiting = consumer_waiting;
    pthread_mutex_unlock(&jobs_lock);
    if (!waiting) sched_yield();
  }
  std::printf("shutting down\n");
  std::fflush(stdout);
  pthread_cond_destroy(&jobs_ready);  // the consumer still waits: never returns
  pthread_join(consumer, nullptr);
}
