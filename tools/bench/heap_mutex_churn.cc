// heap_mutex_churn — a program of our own for tools/bench/real_programs.sh:
// two threads each build a std::mutex on the heap, lock and unlock it, and
// free it, N times (argument 1, default 1,000,000; the benchmark script
// runs 10,000,000). The pattern of code
// that keeps a lock per short-lived object; each lock is used alone, so a
// lock-order checker has nothing to record and should cost next to nothing.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  const long count = argc > 1 ? std::atol(argv[1]) : 1'000'000;
  std::vector<std::thread> threads;
  long kept[2] = {0, 0};
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([count, &kept, t] {
      long odd = 0;  // a local: kept[0] and kept[1] share a cache line
      for (long i = 0; i < count; ++i) {
        auto mutex = std::make_unique<std::mutex>();
        std::lock_guard lock(*mutex);
        odd += reinterpret_cast<std::uintptr_t>(mutex.get()) & 1;
      }
      kept[t] = odd;
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::printf("%ld\n", kept[0] + kept[1]);  // keeps the loop from being optimised away
}
