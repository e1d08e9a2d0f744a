// Buggy: shutdown destroys the job semaphore while a worker still blocks
// in sem_wait on it, and nothing will ever post it (POSIX: undefined; the
// worker sleeps for ever, so the program hangs at its join). The worker is
// known to block once glibc counts it among the semaphore's waiters (the
// high half of the semaphore's first word, glibc's own layout on 64-bit
// targets). Expected findings: mutex-misuse (destroy-waited) with the
// destroy's line, and the hang.
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>

#include <cstdint>
#include <cstdio>

namespace {

sem_t jobs;

void* Worker(void*) {
  sem_wait(&jobs);
  return nullptr;
}

bool WorkerBlocks() {
  return __atomic_load_n(reinterpret_cast<const std::uint64_t*>(&jobs), __ATOMIC_ACQUIRE) >> 32 !=
         0;
}

}  // namespace

int main() {
  sem_init(&jobs, 0, 0);
  pthread_t worker;
  pthread_create(&worker, nullptr, Worker, nullptr);
  while (!WorkerBlocks()) sched_yield();
  std::printf("shutting down\n");
  std::fflush(stdout);
  sem_destroy(&jobs);
  pthread_join(worker, nullptr);
}
