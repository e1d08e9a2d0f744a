// Tests for gate locks (see docs/lockorder.md, "Gate locks"): a cycle is
// guarded only by a lock held at every acquisition of every one of its edges,
// however many times and by whichever thread each edge was taken.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/lockorder/checker_test_fixture.h"

namespace racelab::lockorder::checker_test {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST_F(CheckerTest, AGateLockMakesTheCycleGuarded) {
  Lock(t1_, kGate), Lock(t1_, kA), Lock(t1_, kB);
  Unlock(t1_, kB), Unlock(t1_, kA), Unlock(t1_, kGate);
  Lock(t2_, kGate), Lock(t2_, kB), Lock(t2_, kA);
  ASSERT_THAT(sink_.inversions, SizeIs(1));
  EXPECT_THAT(sink_.inversions[0].gate_locks, ElementsAre(sink_.IdOf(kGate)));
}

TEST_F(CheckerTest, AGateTakenAwayLaterMakesTheGuardedCycleAnInversion) {
  Lock(t1_, kGate), Lock(t1_, kA), Lock(t1_, kB);
  Unlock(t1_, kB), Unlock(t1_, kA), Unlock(t1_, kGate);
  Lock(t2_, kGate), Lock(t2_, kB), Lock(t2_, kA);
  Unlock(t2_, kA), Unlock(t2_, kB), Unlock(t2_, kGate);
  ASSERT_THAT(sink_.inversions, SizeIs(1));  // guarded so far
  // The same thread (its validated chains know G, A, B) takes A then B
  // without the gate: a fix-up path.
  constexpr std::uintptr_t kFixUpSite = 0x7777;
  Lock(t1_, kA), LockAt(t1_, kB, kFixUpSite);
  ASSERT_THAT(sink_.inversions, SizeIs(2));
  const InversionRecord& inversion = sink_.inversions[1];
  EXPECT_THAT(inversion.gate_locks, IsEmpty());
  EXPECT_EQ(inversion.cycle, sink_.inversions[0].cycle);
  ASSERT_THAT(sink_.retaken, SizeIs(1));
  const Edge& retaken = sink_.retaken[0];
  EXPECT_EQ(retaken.from, sink_.IdOf(kA));
  EXPECT_EQ(retaken.to, sink_.IdOf(kB));
  EXPECT_EQ(sink_.site_pcs.at(retaken.witness.requested_site), kFixUpSite);
  EXPECT_TRUE(retaken.guard_narrowed);
  // The guard narrowed to what both acquisitions held: A, not the gate.
  EXPECT_THAT(sink_.LocksOf(retaken.guard), ElementsAre(sink_.IdOf(kA)));
}

TEST_F(CheckerTest, AnEdgeTakenWithoutTheGateBeforeTheCycleClosesLeavesItUnguarded) {
  Lock(t1_, kGate), Lock(t1_, kA), Lock(t1_, kB);
  Unlock(t1_, kB), Unlock(t1_, kA), Unlock(t1_, kGate);
  Lock(t3_, kA), Lock(t3_, kB);  // the same edge, no gate
  Unlock(t3_, kB), Unlock(t3_, kA);
  Lock(t2_, kGate), Lock(t2_, kB), Lock(t2_, kA);
  ASSERT_THAT(sink_.inversions, SizeIs(1));
  EXPECT_THAT(sink_.inversions[0].gate_locks, IsEmpty());
}

TEST_F(CheckerTest, TakingAGatedEdgeWithFewerOtherLocksKeepsTheGate) {
  constexpr std::uintptr_t kExtra = 0x500;
  Lock(t1_, kGate), Lock(t1_, kExtra), Lock(t1_, kA), Lock(t1_, kB);
  Unlock(t1_, kB), Unlock(t1_, kA), Unlock(t1_, kExtra), Unlock(t1_, kGate);
  Lock(t2_, kGate), Lock(t2_, kB), Lock(t2_, kA);
  Unlock(t2_, kA), Unlock(t2_, kB), Unlock(t2_, kGate);
  Lock(t3_, kGate), Lock(t3_, kA), Lock(t3_, kB);  // without kExtra: still under the gate
  ASSERT_THAT(sink_.inversions, SizeIs(1));
  EXPECT_THAT(sink_.inversions[0].gate_locks, ElementsAre(sink_.IdOf(kGate)));
  EXPECT_THAT(sink_.retaken, SizeIs(1));  // the guard lost kExtra, recorded
}

}  // namespace
}  // namespace racelab::lockorder::checker_test
