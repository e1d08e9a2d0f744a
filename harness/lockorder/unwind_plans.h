// Where the DWARF unwinder found a site's frames, remembered by what the
// frame walk saw, so that a site the walk cannot complete (a function
// without frame pointers on the way) costs the unwinder once, not on every
// new lock chain taken there.
//
// A plan is keyed by the frame walk's result (its return addresses) and
// says, for each frame of the completed site, the stack slot it was read
// from, in words above the slot of the hook's own return address (the
// anchor). Each frame's size follows from its return address, so while a
// site's frames are the ones the plan saw, its slots are where the plan
// says; a slot that no longer holds the frame the plan saw there means
// another path (a frame of another size on the way) and the plan is not
// used. So a plan's site is what the unwinder would say, read from the
// stack — never a remembered guess.
//
// A fixed table of entries, each under a sequence number (odd while being
// written; a reader that sees it change drops what it read). No lock, no
// allocation, no system call: used from the lock hooks.
#ifndef RACELAB_HARNESS_LOCKORDER_UNWIND_PLANS_H_
#define RACELAB_HARNESS_LOCKORDER_UNWIND_PLANS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "harness/lockorder/records.h"

namespace racelab::lockorder {

class UnwindPlans {
 public:
  static constexpr std::size_t kSlots = 1024;

  // Completes `site`, the frame walk's, from a plan for it, reading the
  // stack above `anchor` (the slot holding site.pcs[0]) below `stack_high`.
  // False, `site` untouched, when no plan for it is known or the stack does
  // not match the plan.
  bool Apply(const std::uintptr_t* anchor, std::uintptr_t stack_high, Site& site) const {
    const Entry& entry = entries_[Index(site)];
    const std::uint64_t version = entry.version.load(std::memory_order_acquire);
    if (version == 0 || (version & 1) != 0) return false;
    std::uintptr_t completed[kMaxSiteFrames];
    std::uint64_t offsets[kOffsetWords];
    // Acquire loads, so that the sequence number's second load cannot come
    // before them (ThreadSanitizer does not model a lone fence).
    const std::uint64_t depths = entry.depths.load(std::memory_order_acquire);
    bool same_walk = (depths & 0xff) == static_cast<std::uint64_t>(site.depth);
    for (int i = 0; i < site.depth && same_walk; ++i) {
      same_walk = entry.walked[i].load(std::memory_order_acquire) == site.pcs[i];
    }
    const int depth = static_cast<int>(depths >> 8);
    for (int i = 0; i < kMaxSiteFrames; ++i) {
      completed[i] = entry.completed[i].load(std::memory_order_acquire);
    }
    for (int i = 0; i < kOffsetWords; ++i) {
      offsets[i] = entry.offsets[i].load(std::memory_order_acquire);
    }
    if (!same_walk || entry.version.load(std::memory_order_relaxed) != version) return false;
    if (depth < 1 || depth > kMaxSiteFrames) return false;
    for (int i = 0; i < depth; ++i) {
      const std::uintptr_t* slot = anchor + Offset(offsets, i);
      if (reinterpret_cast<std::uintptr_t>(slot + 1) > stack_high || *slot != completed[i]) {
        return false;
      }
    }
    for (int i = 0; i < depth; ++i) site.pcs[i] = completed[i];
    site.depth = depth;
    return true;
  }

  // Remembers that the unwinder completed `walked` into `completed`, whose
  // frame i it read from `slots[i]`. Kept only if every slot lies in
  // [anchor, stack_high) within reach and holds that frame; an entry being
  // written by another thread is left to it.
  void Learn(const Site& walked, const Site& completed, const std::uintptr_t* anchor,
             const std::uintptr_t* const* slots, std::uintptr_t stack_high) {
    if (walked.depth < 1 || completed.depth < 1) return;
    std::uint64_t offsets[kOffsetWords] = {};
    for (int i = 0; i < completed.depth; ++i) {
      if (slots[i] < anchor || reinterpret_cast<std::uintptr_t>(slots[i] + 1) > stack_high ||
          *slots[i] != completed.pcs[i]) {
        return;
      }
      const auto offset = static_cast<std::uint64_t>(slots[i] - anchor);
      if (offset > 0xffff) return;
      offsets[i / 4] |= offset << (16 * (i % 4));
    }
    Entry& entry = entries_[Index(walked)];
    std::uint64_t version = entry.version.load(std::memory_order_relaxed);
    if ((version & 1) != 0 ||
        !entry.version.compare_exchange_strong(version, version + 1, std::memory_order_acquire)) {
      return;  // (acquire: the stores below stay after the odd number)
    }
    for (int i = 0; i < kMaxSiteFrames; ++i) {
      entry.walked[i].store(i < walked.depth ? walked.pcs[i] : 0, std::memory_order_relaxed);
      entry.completed[i].store(i < completed.depth ? completed.pcs[i] : 0,
                               std::memory_order_relaxed);
    }
    for (int i = 0; i < kOffsetWords; ++i) {
      entry.offsets[i].store(offsets[i], std::memory_order_relaxed);
    }
    entry.depths.store(static_cast<std::uint64_t>(walked.depth) |
                           (static_cast<std::uint64_t>(completed.depth) << 8),
                       std::memory_order_relaxed);
    entry.version.store(version + 2, std::memory_order_release);
  }

 private:
  static constexpr int kOffsetWords = (kMaxSiteFrames + 3) / 4;  // four 16-bit offsets a word

  struct Entry {
    std::atomic<std::uint64_t> version{0};  // 0: empty; odd: being written
    std::atomic<std::uint64_t> depths{0};   // walked depth | completed depth << 8
    std::atomic<std::uintptr_t> walked[kMaxSiteFrames] = {};
    std::atomic<std::uintptr_t> completed[kMaxSiteFrames] = {};
    std::atomic<std::uint64_t> offsets[kOffsetWords] = {};
  };

  static std::uint64_t Offset(const std::uint64_t* offsets, int i) {
    return (offsets[i / 4] >> (16 * (i % 4))) & 0xffff;
  }

  static std::size_t Index(const Site& walked) {
    std::uint64_t hash = static_cast<std::uint64_t>(walked.depth);
    for (int i = 0; i < walked.depth; ++i) {
      hash = (hash ^ walked.pcs[i]) * 0x9e3779b97f4a7c15ull;
    }
    return (hash >> 32) % kSlots;
  }

  Entry entries_[kSlots];
};

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_UNWIND_PLANS_H_
