// The one thing every case body repeats: start N threads behind a start
// barrier so they really overlap, then join them all. Call from the body's
// own thread; `work` runs once per thread with its index 0..threads-1.
//
// Memory ordering: everything the caller did before RunTogether happens
// before every `work` call, and every `work` call happens before
// RunTogether returns (thread start, std::latch and join all synchronise).
// Nothing orders the `work` calls against each other: that is the point.
#ifndef RACELAB_HARNESS_CATALOG_RUN_TOGETHER_H_
#define RACELAB_HARNESS_CATALOG_RUN_TOGETHER_H_

#include <functional>
#include <latch>
#include <thread>
#include <vector>

namespace racelab {

inline void RunTogether(int threads, const std::function<void(int index)>& work) {
  std::latch start(threads);
  std::vector<std::jthread> workers;
  workers.reserve(threads);
  for (int index = 0; index < threads; ++index) {
    workers.emplace_back([&start, &work, index] {
      start.arrive_and_wait();
      work(index);
    });
  }
  // jthread joins on destruction.
}

}  // namespace racelab

#endif  // RACELAB_HARNESS_CATALOG_RUN_TOGETHER_H_
