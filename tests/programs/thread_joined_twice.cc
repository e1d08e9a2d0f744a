// Buggy: the pool's Stop() joins its workers, and the clean-up at exit joins
// them again. glibc usually fails the second join with EINVAL, which the
// code ignores; once a new thread has a joined thread's handle, the second
// join waits for that thread instead. Expected finding: mutex-misuse
// (joined-twice), at the second join, with the first join's line and the
// worker's creation.
#include <pthread.h>

#include <cstdio>

namespace {

constexpr int kWorkers = 2;
pthread_t workers[kWorkers];
int finished[kWorkers];

void* Work(void* slot) {
  *static_cast<int*>(slot) = 1;
  return nullptr;
}

void StartPool() {
  for (int i = 0; i < kWorkers; ++i) pthread_create(&workers[i], nullptr, Work, &finished[i]);
}

void StopPool() {
  for (pthread_t worker : workers) pthread_join(worker, nullptr);
}

void CleanUp() {
  for (pthread_t worker : workers) pthread_join(worker, nullptr);  // StopPool joined them
}

}  // namespace

int main() {
  StartPool();
  StopPool();
  CleanUp();
  std::printf("%d %d finished\n", finished[0], finished[1]);
}
