// Buggy: a restart initialises a two-thread barrier again while one of its
// threads blocks in the old round (POSIX: undefined; glibc resets the
// barrier's counts, so the blocked thread waits for a round nobody will
// finish, and the program hangs at its join). The worker
// is known to block once glibc counts it as entered past the current round
// (the barrier's first two words, glibc's own layout). Expected findings:
// mutex-misuse (reinit-waited) with the init's line, and the hang.
#include <pthread.h>
#include <sched.h>

#include <cstdio>

namespace {

pthread_barrier_t phase;

void* Worker(void*) {
  pthread_barrier_wait(&phase);
  return nullptr;
}

bool WorkerBlocks() {
  const auto* words = reinterpret_cast<const unsigned int*>(&phase);
  return __atomic_load_n(&words[0], __ATOMIC_ACQUIRE) >
         __atomic_load_n(&words[1], __ATOMIC_ACQUIRE);
}

}  // namespace

int main() {
  pthread_barrier_init(&phase, nullptr, 2);
  pthread_t worker;
  pthread_create(&worker, nullptr, Worker, nullptr);
  while (!WorkerBlocks()) sched_yield();
  std::printf("restarting the phase\n");
  std::fflush(stdout);
  pthread_barrier_init(&phase, nullptr, 2);  // the worker still waits in the old round
  pthread_join(worker, nullptr);             // never returns
}
