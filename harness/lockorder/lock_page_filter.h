// Where the lock-order checker's known locks (those with a LockInfo) lie,
// coarsely: how many in each page (pages hashed into kSlots counters) and,
// for each slot, which 64-byte lines of its pages hold a lock's address.
// The free() hook asks it on every deallocation whether the block may hold
// a known lock, without a lock; a false alarm only sends the hook to the
// lock table. Before the lines were kept, every block freed in a page that
// held a known lock took the lock table's shard lock (about 15 ns a free).
//
// Threading: Add and Remove under a lock that orders all writers of one
// slot (the checker's shard lock: a slot's pages all belong to one shard);
// the queries from any thread, lock-free.
#ifndef RACELAB_HARNESS_LOCKORDER_LOCK_PAGE_FILTER_H_
#define RACELAB_HARNESS_LOCKORDER_LOCK_PAGE_FILTER_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace racelab::lockorder {

class LockPageFilter {
 public:
  static constexpr int kPageShift = 12;
  static constexpr std::size_t kSlots = std::size_t{1} << 14;
  // A block spanning more pages is not filtered (it may hold locks).
  static constexpr std::uintptr_t kMaxPagesFiltered = 16;

  // False when no lock is known at all: the free() hook's first test,
  // before it asks the allocator for the block's size.
  bool KnowsAnyLock() const { return known_.value.load(std::memory_order_relaxed) != 0; }

  // False when no known lock's address can lie in [begin, end). True may
  // be a false alarm.
  bool MayHoldLocks(std::uintptr_t begin, std::uintptr_t end) const {
    if (end <= begin) return false;
    const std::uintptr_t first = begin >> kPageShift, last = (end - 1) >> kPageShift;
    if (last - first >= kMaxPagesFiltered) return true;
    for (std::uintptr_t page = first; page <= last; ++page) {
      const std::size_t slot = page & (kSlots - 1);
      if (locks_[slot].load(std::memory_order_relaxed) == 0) continue;
      // The block's lines in this page.
      const unsigned low = page == first ? LineInPage(begin) : 0;
      const unsigned high = page == last ? LineInPage(end - 1) : 63;
      const std::uint64_t lines = (~std::uint64_t{0} >> (63 - high)) & (~std::uint64_t{0} << low);
      if ((lines_[slot].load(std::memory_order_relaxed) & lines) != 0) return true;
    }
    return false;
  }

  // The lock at `address` became known.
  void Add(std::uintptr_t address) {
    const std::size_t slot = SlotOf(address);
    lines_[slot].fetch_or(std::uint64_t{1} << LineInPage(address), std::memory_order_relaxed);
    locks_[slot].fetch_add(1, std::memory_order_relaxed);
    known_.value.fetch_add(1, std::memory_order_relaxed);
  }
  // The known lock at `address` is gone. Its line's bit stays until the
  // slot's last lock goes (another lock may share the line).
  void Remove(std::uintptr_t address) {
    const std::size_t slot = SlotOf(address);
    if (locks_[slot].fetch_sub(1, std::memory_order_relaxed) == 1) {
      lines_[slot].store(0, std::memory_order_relaxed);
    }
    known_.value.fetch_sub(1, std::memory_order_relaxed);
  }

 private:
  static std::size_t SlotOf(std::uintptr_t address) {
    return (address >> kPageShift) & (kSlots - 1);
  }
  static unsigned LineInPage(std::uintptr_t address) {
    return static_cast<unsigned>(address >> 6) & 63;
  }

  std::array<std::atomic<std::uint32_t>, kSlots> locks_{};  // how many, per slot
  std::array<std::atomic<std::uint64_t>, kSlots> lines_{};  // which lines, per slot
  // How many locks are known (the counts' sum). A cache line of its own:
  // every free() reads it.
  struct alignas(64) LineOfItsOwn {
    std::atomic<std::uint32_t> value{0};
  };
  LineOfItsOwn known_;
};

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_LOCK_PAGE_FILTER_H_
