// The checker tests' fixture: a RecordSink that keeps every record, fake
// lock state for the hooks' HolderQuery, and CheckerTest, whose threads are
// separate ThreadLockStates (the rules depend on what each thread holds, not
// on timing). Included by the checker's test files only.
#ifndef RACELAB_HARNESS_LOCKORDER_CHECKER_TEST_FIXTURE_H_
#define RACELAB_HARNESS_LOCKORDER_CHECKER_TEST_FIXTURE_H_

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "harness/lockorder/checker.h"

namespace racelab::lockorder::checker_test {

class RecordingSink : public RecordSink {
 public:
  void OnThread(std::uint32_t, std::int64_t) override {}
  void OnSite(SiteId id, const Site& site) override { site_pcs[id] = site.pcs[0]; }
  void OnLock(const LockRecord& lock) override { locks.push_back(lock); }
  void OnEdge(const Edge& edge) override { edges.push_back(edge); }
  void OnEdgeRetaken(const Edge& edge) override { retaken.push_back(edge); }
  void OnInversion(const InversionRecord& inversion) override { inversions.push_back(inversion); }
  void OnSelfDeadlock(const SelfDeadlockRecord& record) override {
    self_deadlocks.push_back(record);
  }
  void OnMisuse(const MisuseRecord& misuse) override { misuses.push_back(misuse); }
  void OnWaitCycle(const WaitCycleRecord& cycle) override { wait_cycles.push_back(cycle); }
  void OnHeldSet(HeldSetId id, HeldSetId parent, LockId lock) override {
    held_sets[id] = {parent, lock};
  }

  // The locks of a held set, oldest first.
  std::vector<LockId> LocksOf(HeldSetId set) const {
    std::vector<LockId> held;
    for (HeldSetId at = set; at != kNoHeldSet; at = held_sets.at(at).first) {
      held.insert(held.begin(), held_sets.at(at).second);
    }
    return held;
  }
  // The locks an edge's witness names as held, oldest first.
  std::vector<LockId> HeldBy(const Edge& edge) const { return LocksOf(edge.witness.held_set); }

  // The lock id the checker gave the lock at `address`.
  LockId IdOf(std::uintptr_t address) const {
    for (auto it = locks.rbegin(); it != locks.rend(); ++it) {
      if (it->address == address) return it->id;
    }
    ADD_FAILURE() << "no lock at " << address;
    return 0;
  }

  std::vector<LockRecord> locks;
  std::vector<WaitCycleRecord> wait_cycles;
  std::vector<Edge> edges;
  std::vector<Edge> retaken;
  std::vector<InversionRecord> inversions;
  std::vector<SelfDeadlockRecord> self_deadlocks;
  std::vector<MisuseRecord> misuses;
  std::map<HeldSetId, std::pair<HeldSetId, LockId>> held_sets;
  std::map<SiteId, std::uintptr_t> site_pcs;  // each site's innermost frame
};

inline Site SiteAt(std::uintptr_t pc) {
  Site site;
  site.pcs[0] = pc;
  site.depth = 1;
  return site;
}

// The locks' own state, as glibc keeps it for the hooks' HolderQuery: who
// holds each lock exclusively, and how many times.
struct FakeLock {
  std::int64_t holder = 0;
  int count = 0;
};
inline std::map<std::uintptr_t, FakeLock>& FakeLocks() {
  static auto* locks = new std::map<std::uintptr_t, FakeLock>();
  return *locks;
}
inline std::int64_t FakeHolder(std::uintptr_t address, LockKind) {
  auto found = FakeLocks().find(address);
  return found == FakeLocks().end() ? 0 : found->second.holder;
}

class CheckerTest : public ::testing::Test {
 protected:
  // `held_set_chains`: as the checker's constructor.
  explicit CheckerTest(std::size_t held_set_chains = kMaxKnownHeldSetChains)
      : checker_(&sink_, FakeHolder, /*abort_on_inversion=*/false, held_set_chains) {
    FakeLocks().clear();
    t1_.os_tid = 101, t2_.os_tid = 102, t3_.os_tid = 103;
  }
  void Lock(ThreadLockState& thread, std::uintptr_t lock, LockKind kind = LockKind::kMutex) {
    LockAt(thread, lock, lock + 1000, kind);
  }
  // Lock, from the site whose innermost frame is `pc`.
  void LockAt(ThreadLockState& thread, std::uintptr_t lock, std::uintptr_t pc,
              LockKind kind = LockKind::kMutex) {
    checker_.BeforeBlockingAcquire(thread, lock, kind, false, SiteAt(pc));
    checker_.AfterAcquire(thread, lock, kind, false, true, SiteAt(pc));
    Acquired(thread, lock);
  }
  void TryLock(ThreadLockState& thread, std::uintptr_t lock) {
    checker_.AfterAcquire(thread, lock, LockKind::kMutex, false, false, SiteAt(lock + 2000));
    Acquired(thread, lock);
  }
  void Unlock(ThreadLockState& thread, std::uintptr_t lock) {
    checker_.BeforeRelease(thread, lock, LockKind::kMutex, SiteAt(lock + 3000));
    FakeLock& state = FakeLocks()[lock];  // an unlock by any thread releases it, as glibc's does
    if (state.count > 0 && --state.count == 0) state.holder = 0;
  }
  static void Acquired(const ThreadLockState& thread, std::uintptr_t lock) {
    FakeLock& state = FakeLocks()[lock];
    state.holder = thread.os_tid;
    ++state.count;
  }

  RecordingSink sink_;
  LockOrderChecker checker_;
  ThreadLockState t1_, t2_, t3_;
};

inline constexpr std::uintptr_t kA = 0x100, kB = 0x200, kC = 0x300, kGate = 0x400;

}  // namespace racelab::lockorder::checker_test

#endif  // RACELAB_HARNESS_LOCKORDER_CHECKER_TEST_FIXTURE_H_
