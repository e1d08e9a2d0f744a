// Buggy: a two-thread barrier is destroyed while one of its threads blocks
// in it and the other never comes (POSIX: undefined; glibc's
// pthread_barrier_destroy waits for the round to end, which it never does,
// so the program hangs in the destroy). The worker is known to block once
// glibc counts it as entered past the current round (the barrier's first
// two words, glibc's own layout). Expected findings: mutex-misuse
// (destroy-waited) with the destroy's line, and the hang.
#include <pthread.h>
#include <sched.h>

#include <cstdio>

namespace {

pthread_barrier_t step_done;

void* Worker(void*) {
  pthread_barrier_wait(&step_done);
  return nullptr;
}

bool WorkerBlocks() {
  const auto* words = reinterpret_cast<const unsigned int*>(&step_done);
  return __atomic_load_n(&words[0], __ATOMIC_ACQUIRE) >
         __atomic_load_n(&words[1], __ATOMIC_ACQUIRE);
}

}  // namespace

int main() {
  pthread_barrier_init(&step_done, nullptr, 2);
  pthread_t worker;
  pthread_create(&worker, nullptr, Worker, nullptr);
  while (!WorkerBlocks()) sched_yield();
  std::printf("shutting down\n");
  std::fflush(stdout);
  pthread_barrier_destroy(&step_done);  // the worker still waits: never returns
  pthread_join(worker, nullptr);
}
