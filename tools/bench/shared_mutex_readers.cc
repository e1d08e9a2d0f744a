// shared_mutex_readers — a program of our own for tools/bench/
// real_programs.sh: four threads take one std::shared_mutex shared, N times
// each (argument 1, default 2,000,000), and read the value it guards; one
// writer updates it now and then. Shared acquisitions are what such a
// program does most.
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  const long count = argc > 1 ? std::atol(argv[1]) : 2'000'000;
  std::shared_mutex mutex;
  long value = 0;  // guarded by mutex
  std::vector<std::thread> threads;
  long sums[4] = {};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      long sum = 0;  // a local: the four sums share a cache line
      for (long i = 0; i < count; ++i) {
        if (t == 0 && i % 1024 == 0) {
          std::unique_lock lock(mutex);
          ++value;
        }
        std::shared_lock lock(mutex);
        sum += value;
      }
      sums[t] = sum;
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::printf("%ld\n", sums[0] + sums[1] + sums[2] + sums[3]);
}
