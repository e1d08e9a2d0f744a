// UnlockedList: the tutorials' "results.append(x)" from many threads with
// no lock, spelt out the way std::vector::push_back does it (read the size,
// write the slot, store size + 1) with a Window between reading and
// storing, so that a racy variant can force two appends into one slot.
// Fixed capacity, so a lost race loses a value instead of corrupting the
// heap. Deliberately NOT thread-safe: it is the bug under test.
#ifndef RACELAB_HARNESS_CATALOG_UNLOCKED_LIST_H_
#define RACELAB_HARNESS_CATALOG_UNLOCKED_LIST_H_

#include <cstddef>
#include <vector>

#include "harness/catalog/window.h"

namespace racelab {

template <typename T>
class UnlockedList {
 public:
  explicit UnlockedList(std::size_t capacity) : slots_(capacity) {}

  void Append(const T& value, Window& window) {
    const std::size_t size = size_;
    window.Pass();
    if (size >= slots_.size()) return;  // full: dropped, never out of bounds
    slots_[size] = value;
    size_ = size + 1;
  }

  // Call after the appending threads were joined.
  std::vector<T> Contents() const {
    return std::vector<T>(slots_.begin(), slots_.begin() + static_cast<long>(size_));
  }

 private:
  std::vector<T> slots_;
  std::size_t size_ = 0;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_CATALOG_UNLOCKED_LIST_H_
