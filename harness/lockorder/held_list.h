// A thread's held locks, in acquisition order, as the lock-order checker
// keeps them: Held (one lock held, where it was taken, the chain hash up to
// it) and HeldList, the few vector operations the checker needs with a push
// small enough to inline into the pthread hooks.
#ifndef RACELAB_HARNESS_LOCKORDER_HELD_LIST_H_
#define RACELAB_HARNESS_LOCKORDER_HELD_LIST_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>

#include "absl/base/attributes.h"
#include "harness/lockorder/arena.h"
#include "harness/lockorder/records.h"

namespace racelab::lockorder {

struct LockInfo;

// A lock a thread holds.
struct Held {
  // Leaves every field unwritten: LockOrderChecker::NewHeld, the only
  // place that makes one, writes each of them once (initialising them here first cost stores on
  // every acquisition).
  Held() {}
  // Null while the lock is unresolved: taken with no other lock held and
  // unknown to this thread, it needs no LockInfo unless another lock is
  // taken under it or it turns up in a wait (LockOrderChecker::ResolveHeld).
  LockInfo* lock;
  std::uintptr_t address;  // the lock's own
  LockKind kind;
  Site site;  // where it was acquired
  bool shared;
  bool blocking;  // false for try/timed acquisitions
  int recursion;
  // Hash of the held sequence up to and including this; from an unresolved
  // entry up, derived from kUnresolvedChain, which no validated chain is.
  std::uint64_t chain;
};

// A thread's held locks, oldest first, with no fixed limit on their number.
// Not std::vector: its emplace_back stayed a call (23 instructions) on the
// hooks' fast path, where push() inlines.
class HeldList {
 public:
  using value_type = Held;
  using iterator = Held*;
  using const_iterator = const Held*;

  HeldList() = default;
  HeldList(const HeldList&) = delete;
  HeldList& operator=(const HeldList&) = delete;
  ~HeldList() { ArenaAllocator<Held>().deallocate(storage_, capacity_); }

  bool empty() const { return size_ == 0; }
  bool has_room() const { return size_ < capacity_; }  // push() would not allocate
  std::size_t size() const { return size_; }
  Held& back() { return storage_[size_ - 1]; }
  const Held& back() const { return storage_[size_ - 1]; }
  Held& operator[](std::size_t index) { return storage_[index]; }
  const Held& operator[](std::size_t index) const { return storage_[index]; }
  Held* begin() { return storage_; }
  Held* end() { return storage_ + size_; }
  const Held* begin() const { return storage_; }
  const Held* end() const { return storage_ + size_; }
  std::reverse_iterator<Held*> rbegin() { return std::reverse_iterator<Held*>(end()); }
  std::reverse_iterator<Held*> rend() { return std::reverse_iterator<Held*>(begin()); }
  std::reverse_iterator<const Held*> rbegin() const {
    return std::reverse_iterator<const Held*>(end());
  }
  std::reverse_iterator<const Held*> rend() const {
    return std::reverse_iterator<const Held*>(begin());
  }

  // A new last entry, its fields unwritten.
  ABSL_ATTRIBUTE_ALWAYS_INLINE Held& push() {
    if (__builtin_expect(size_ == capacity_, 0)) Grow();
    return storage_[size_++];
  }
  void pop_back() { --size_; }
  void erase(Held* at) {
    std::copy(at + 1, end(), at);
    --size_;
  }
  void reserve(std::size_t capacity) {
    if (capacity <= capacity_) return;
    Held* grown = ArenaAllocator<Held>().allocate(capacity);
    for (std::size_t i = 0; i < capacity; ++i) new (grown + i) Held();  // writes nothing
    std::copy(begin(), end(), grown);
    ArenaAllocator<Held>().deallocate(storage_, capacity_);
    storage_ = grown;
    capacity_ = capacity;
  }

 private:
  __attribute__((noinline)) void Grow() { reserve(capacity_ == 0 ? 16 : 2 * capacity_); }

  Held* storage_ = nullptr;  // in the checker's arena (Held needs no destructor)
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_HELD_LIST_H_
