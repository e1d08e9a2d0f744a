// Buggy: a reset of the job queue initialises its condition variable again
// while the consumer waits on it (POSIX: undefined; glibc clears the
// variable's state, so the signal that follows finds no waiter to wake and
// the program hangs at its join). The consumer is known to be inside its
// wait once main can take the queue's mutex after the consumer said it
// waits. Expected findings: mutex-misuse (reinit-waited) with the init's
// line, and the hang.
#include <pthread.h>
#include <sched.h>

#include <cstdio>

namespace {

pthread_cond_t jobs_ready = PTHREAD_COND_INITIALIZER;
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
  pthread_t consumer;
  pthread_create(&consumer, nullptr, Consumer, nullptr);
  for (bool waiting = false; !waiting;) {
    pthread_mutex_lock(&jobs_lock);
    waiting = consumer_waiting;
    pthread_mutex_unlock(&jobs_lock);
    if (!waiting) sched_yield();
  }
  std::printf("resetting the queue\n");
  std::fflush(stdout);
  pthread_mutex_lock(&jobs_lock);
  pthread_cond_init(&jobs_ready, nullptr);  // the consumer still waits on it
  jobs = 1;
  pthread_cond_signal(&jobs_ready);
  pthread_mutex_unlock(&jobs_lock);
  pthread_join(consumer, nullptr);
}
