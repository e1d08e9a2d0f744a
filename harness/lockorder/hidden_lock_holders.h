// Who holds each hidden lock that keeps no owner of its own: a static's
// initialisation guard or a once control records only "being initialised",
// not by whom, where a mutex records its owner's thread id. The hooks note the holder here
// when the thread gets the lock and forget it when it lets go; the holder
// query (ExclusiveHolder) reads it for the wait-for graph and for the
// checker's check that a held lock is still held. Lock-free and
// allocation-free, so a signal handler (the wait dump) may read it. Full
// (more than kProbe holders hashed near each other, which takes that many
// initialisations in progress at once), a hold goes unnoted: the lock then
// looks free to the wait-for graph and is dropped from its holder's held
// list, never a false finding.
#ifndef RACELAB_HARNESS_LOCKORDER_HIDDEN_LOCK_HOLDERS_H_
#define RACELAB_HARNESS_LOCKORDER_HIDDEN_LOCK_HOLDERS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace racelab::lockorder {

class HiddenLockHolders {
 public:
  constexpr HiddenLockHolders() = default;

  // `tid` holds `lock` from now on.
  void Set(std::uintptr_t lock, std::int64_t tid) {
    for (std::size_t i = 0; i < kProbe; ++i) {
      Slot& slot = slots_[(Hash(lock) + i) % kSlots];
      std::uintptr_t expected = 0;
      if (slot.lock.compare_exchange_strong(expected, lock, std::memory_order_acq_rel)) {
        slot.tid.store(tid, std::memory_order_release);
        return;
      }
    }
  }

  // Nobody holds `lock` any more.
  void Clear(std::uintptr_t lock) {
    for (std::size_t i = 0; i < kProbe; ++i) {
      Slot& slot = slots_[(Hash(lock) + i) % kSlots];
      if (slot.lock.load(std::memory_order_acquire) != lock) continue;
      slot.tid.store(0, std::memory_order_relaxed);
      slot.lock.store(0, std::memory_order_release);
      return;
    }
  }

  // The OS thread id holding `lock`; 0 when none is noted.
  std::int64_t HolderOf(std::uintptr_t lock) const {
    for (std::size_t i = 0; i < kProbe; ++i) {
      const Slot& slot = slots_[(Hash(lock) + i) % kSlots];
      if (slot.lock.load(std::memory_order_acquire) == lock) {
        return slot.tid.load(std::memory_order_acquire);
      }
    }
    return 0;
  }

 private:
  static constexpr std::size_t kSlots = 1024;
  static constexpr std::size_t kProbe = 16;  // every lookup looks at all: no tombstones needed
  static std::size_t Hash(std::uintptr_t lock) {
    return static_cast<std::size_t>((lock >> 3) * 0x9E3779B97F4A7C15ull >> 54);
  }
  struct Slot {
    std::atomic<std::uintptr_t> lock{0};
    std::atomic<std::int64_t> tid{0};
  };
  Slot slots_[kSlots];
};

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_HIDDEN_LOCK_HOLDERS_H_
