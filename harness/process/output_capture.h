// OutputCapture: what a child printed, bounded: the first bytes and a
// rolling window of the last ones, and how many there were in all. Not
// thread-safe (one reader of one pipe).
#ifndef RACELAB_HARNESS_PROCESS_OUTPUT_CAPTURE_H_
#define RACELAB_HARNESS_PROCESS_OUTPUT_CAPTURE_H_

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>

#include "harness/process/child_process.h"

namespace racelab {

// Keeps the first `head_limit` bytes and a rolling last `tail_limit` bytes.
class OutputCapture {
 public:
  OutputCapture(size_t head_limit, size_t tail_limit)
      : head_limit_(head_limit), tail_limit_(tail_limit) {}

  void Append(const char* data, size_t size) {
    total_ += size;
    const size_t to_head = std::min(size, head_limit_ - std::min(head_limit_, head_.size()));
    head_.append(data, to_head);
    if (to_head < size && tail_limit_ > 0) {
      tail_.append(data + to_head, size - to_head);
      if (tail_.size() > 2 * tail_limit_) tail_.erase(0, tail_.size() - tail_limit_);
    }
  }
  size_t total() const { return total_; }
  void MoveInto(ChildOutcome& outcome) {
    if (tail_.size() > tail_limit_) tail_.erase(0, tail_.size() - tail_limit_);
    outcome.output_head = std::move(head_);
    outcome.output_tail = std::move(tail_);
    outcome.output_bytes = total_;
  }

 private:
  size_t head_limit_, tail_limit_;
  size_t total_ = 0;
  std::string head_, tail_;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_PROCESS_OUTPUT_CAPTURE_H_
