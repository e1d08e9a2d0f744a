// ThreadPool: a fixed set of workers taking tasks from a BlockingQueue, as
// Python's ThreadPoolExecutor: Submit() returns a std::future for the
// task's result; the destructor lets queued tasks finish and joins every
// worker. For case bodies whose pattern runs work on a pool. Thread-safe.
#ifndef RACELAB_HARNESS_CATALOG_THREAD_POOL_H_
#define RACELAB_HARNESS_CATALOG_THREAD_POOL_H_

#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <type_traits>
#include <vector>

#include "harness/catalog/blocking_queue.h"

namespace racelab {

class ThreadPool {
 public:
  explicit ThreadPool(int workers) {
    threads_.reserve(workers);
    for (int i = 0; i < workers; ++i) {
      threads_.emplace_back([this] {
        while (std::optional<std::function<void()>> task = tasks_.Pop()) (*task)();
      });
    }
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool() {
    tasks_.Close();
    for (std::thread& thread : threads_) thread.join();
  }

  template <typename Fn>
  std::future<std::invoke_result_t<Fn>> Submit(Fn fn) {
    auto task = std::make_shared<std::packaged_task<std::invoke_result_t<Fn>()>>(std::move(fn));
    std::future<std::invoke_result_t<Fn>> result = task->get_future();
    tasks_.Push([task] { (*task)(); });
    return result;
  }

 private:
  BlockingQueue<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_CATALOG_THREAD_POOL_H_
