// BlockingQueue: the correct queue the tutorials reach for (Python's
// queue.Queue): a mutex, a condition variable, and a close() that wakes
// every consumer once the queue has drained. Case code uses it where the
// pattern's fix needs a queue (log writers, pools, crawlers, servers), and
// racy variants misuse it the way the tutorials do (a stop flag instead of
// close). Thread-safe.
#ifndef RACELAB_HARNESS_CATALOG_BLOCKING_QUEUE_H_
#define RACELAB_HARNESS_CATALOG_BLOCKING_QUEUE_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace racelab {

template <typename T>
class BlockingQueue {
 public:
  void Push(T item) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(std::move(item));
    }
    changed_.notify_one();
  }

  // Blocks until an item is there (returns it) or the queue is closed and
  // empty (returns nullopt). A queue nobody closes can block forever.
  std::optional<T> Pop() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !items_.empty() || closed_; });
    return TakeLocked();
  }

  // Pop, giving up after `timeout` (nullopt), so the caller can recheck
  // whatever tells it to stop.
  std::optional<T> PopFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [this] { return !items_.empty() || closed_; });
    return TakeLocked();
  }

  // No more items will come: consumers drain what is left, then get nullopt.
  void Close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    changed_.notify_all();
  }

  bool Empty() const {
    std::lock_guard lock(mutex_);
    return items_.empty();
  }

 private:
  std::optional<T> TakeLocked() {
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<T> items_;  // guarded by mutex_
  bool closed_ = false;  // guarded by mutex_
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_CATALOG_BLOCKING_QUEUE_H_
