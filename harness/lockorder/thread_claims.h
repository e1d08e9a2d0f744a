// Who claimed each thread's end, for the misuse POSIX leaves undefined and
// glibc does not catch reliably: joining or detaching a thread that was
// joined or detached already. glibc usually answers EINVAL, which programs
// ignore; once the thread's descriptor is reused by a new thread (glibc
// keeps stacks for reuse), the second join waits for that other thread.
//
// Keyed by the pthread_t handle, which glibc reuses: an entry is reset by
// every creation at its handle (`Created`), told apart by a generation
// number so that the creator's report after pthread_create returned and
// the new thread's own report when it starts (whichever comes first: the
// thread may detach itself, or be detached by its creator, before the other
// report) reset it once. A claim on a handle no creation reported is not
// tracked: nothing is ever reported for a thread created out of sight.
//
// A fixed table under a spin lock: no allocation inside the program's
// calls. Entries are never removed, only reset; full, new handles go
// untracked.
#ifndef RACELAB_HARNESS_LOCKORDER_THREAD_CLAIMS_H_
#define RACELAB_HARNESS_LOCKORDER_THREAD_CLAIMS_H_

#include <cstddef>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "harness/lockorder/records.h"
#include "harness/lockorder/spinlock.h"

namespace racelab::lockorder {

class ThreadClaims {
 public:
  enum class Claim : std::uint8_t { kNone, kJoined, kDetached };

  constexpr ThreadClaims() = default;

  // A thread was created at `handle` (`detached`: by its attributes), at
  // `site`. Called twice per creation, with the same generation.
  void Created(std::uintptr_t handle, std::uint64_t generation, bool detached, const Site& site) {
    SpinlockHolder hold(mu_);
    Entry* entry = Find(handle, /*insert=*/true);
    if (entry == nullptr || (entry->handle == handle && entry->generation == generation)) return;
    entry->handle = handle;
    entry->generation = generation;
    entry->claim = detached ? Claim::kDetached : Claim::kNone;
    entry->created.Store(site);
    entry->claimed.Store(detached ? site : Site());  // detached from birth: where it was created
  }

  // What an earlier claim left: none (this claim is recorded), or the claim
  // that came first, with where the thread was created and claimed.
  struct Earlier {
    Claim claim = Claim::kNone;
    Site created;
    Site claimed;
  };

  // The thread at `handle` is joined or detached, at `site`.
  Earlier ClaimEnd(std::uintptr_t handle, Claim claim, const Site& site) {
    SpinlockHolder hold(mu_);
    Entry* entry = Find(handle, /*insert=*/false);
    if (entry == nullptr) return {};
    if (entry->claim != Claim::kNone) {
      return {entry->claim, entry->created.Load(), entry->claimed.Load()};
    }
    entry->claim = claim;
    entry->claimed.Store(site);
    return {};
  }

 private:
  // A Site that is zeroed at compile time (the table is constinit).
  struct StoredSite {
    std::uintptr_t pcs[kMaxSiteFrames] = {};
    int depth = 0;
    void Store(const Site& site) {
      depth = site.depth;
      for (int i = 0; i < site.depth; ++i) pcs[i] = site.pcs[i];
    }
    Site Load() const {
      Site site;
      site.depth = depth;
      for (int i = 0; i < depth; ++i) site.pcs[i] = pcs[i];
      return site;
    }
  };
  struct Entry {
    std::uintptr_t handle = 0;  // 0: a free slot
    std::uint64_t generation = 0;
    Claim claim = Claim::kNone;
    StoredSite created;
    StoredSite claimed;
  };
  static constexpr std::size_t kSlots = 1024;  // a power of two

  // The entry of `handle`, or (`insert`) the free slot it would take;
  // nullptr when absent and the table is full (or !insert).
  Entry* Find(std::uintptr_t handle, bool insert) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::size_t slot = (handle >> 6) * 0x9e3779b97f4a7c15u >> 54;  // 10 bits
    for (std::size_t probe = 0; probe < kSlots; ++probe, slot = (slot + 1) & (kSlots - 1)) {
      if (slots_[slot].handle == handle) return &slots_[slot];
      if (slots_[slot].handle == 0) return insert ? &slots_[slot] : nullptr;
    }
    return nullptr;
  }

  Spinlock mu_;
  Entry slots_[kSlots] ABSL_GUARDED_BY(mu_);
};

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_THREAD_CLAIMS_H_
