// Tests for each lock-order rule (see docs/lockorder.md). Threads
// are simulated by separate ThreadLockStates: the rules depend on what each
// thread holds, not on timing, so the tests are deterministic.
#include "harness/lockorder/checker.h"

#include <mutex>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/lockorder/checker_test_fixture.h"

namespace racelab::lockorder::checker_test {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST_F(CheckerTest, AbbaIsAnInversionWithBothWitnesses) {
  Lock(t1_, kA);
  Lock(t1_, kB);
  Unlock(t1_, kB);
  Unlock(t1_, kA);
  EXPECT_THAT(sink_.inversions, IsEmpty());
  Lock(t2_, kB);
  checker_.BeforeBlockingAcquire(t2_, kA, LockKind::kMutex, false,
                                 SiteAt(7));  // recorded before blocking
  ASSERT_THAT(sink_.inversions, SizeIs(1));
  const InversionRecord& inversion = sink_.inversions[0];
  EXPECT_THAT(inversion.cycle, ElementsAre(sink_.IdOf(kB), sink_.IdOf(kA), sink_.IdOf(kB)));
  EXPECT_THAT(inversion.gate_locks, IsEmpty());
  EXPECT_EQ(inversion.thread, t2_.thread);
  ASSERT_THAT(sink_.edges, SizeIs(2));
  EXPECT_EQ(sink_.edges[0].witness.thread, t1_.thread);
  EXPECT_EQ(sink_.edges[1].witness.thread, t2_.thread);
}

TEST_F(CheckerTest, ThreeLockCycleAcrossThreeThreads) {
  Lock(t1_, kA), Lock(t1_, kB), Unlock(t1_, kB), Unlock(t1_, kA);
  Lock(t2_, kB), Lock(t2_, kC), Unlock(t2_, kC), Unlock(t2_, kB);
  EXPECT_THAT(sink_.inversions, IsEmpty());
  Lock(t3_, kC), Lock(t3_, kA);
  ASSERT_THAT(sink_.inversions, SizeIs(1));
  EXPECT_THAT(sink_.inversions[0].cycle, SizeIs(4));  // C → A → B → C
  EXPECT_EQ(sink_.inversions[0].cycle.front(), sink_.inversions[0].cycle.back());
}

TEST_F(CheckerTest, FiveDiningPhilosophersCloseOneCycle) {
  ThreadLockState philosophers[5];
  for (int i = 0; i < 5; ++i) {
    const std::uintptr_t left = 0x1000 + 0x10 * i, right = 0x1000 + 0x10 * ((i + 1) % 5);
    Lock(philosophers[i], left);
    Lock(philosophers[i], right);
    Unlock(philosophers[i], right);
    Unlock(philosophers[i], left);
  }
  ASSERT_THAT(sink_.inversions, SizeIs(1));
  EXPECT_THAT(sink_.inversions[0].cycle, SizeIs(6));
}

TEST_F(CheckerTest, HandOverHandInOrderIsClean) {
  for (ThreadLockState* thread : {&t1_, &t2_}) {
    Lock(*thread, kA);
    Lock(*thread, kB);
    Unlock(*thread, kA);
    Lock(*thread, kC);
    Unlock(*thread, kB);
    Unlock(*thread, kC);
  }
  EXPECT_THAT(sink_.inversions, IsEmpty());
  EXPECT_THAT(sink_.misuses, IsEmpty());
}

TEST_F(CheckerTest, TryLockInReverseOrderAddsNoEdgeAndIsClean) {
  Lock(t1_, kA), Lock(t1_, kB), Unlock(t1_, kB), Unlock(t1_, kA);
  Lock(t2_, kB);
  TryLock(t2_, kA);  // cannot wait forever: no edge B → A
  EXPECT_THAT(sink_.inversions, IsEmpty());
  // ... but A counts as held for what comes next.
  Lock(t2_, kC);
  bool a_to_c = false;
  for (const Edge& edge : sink_.edges) {
    a_to_c |= edge.from == sink_.IdOf(kA) && edge.to == sink_.IdOf(kC);
  }
  EXPECT_TRUE(a_to_c);
}

TEST_F(CheckerTest, ScopedLockBothWaysIsClean) {
  // std::scoped_lock(a, b) locks the first and try-locks the rest (and backs
  // off on failure), whatever the argument order.
  Lock(t1_, kA), TryLock(t1_, kB), Unlock(t1_, kA), Unlock(t1_, kB);
  Lock(t2_, kB), TryLock(t2_, kA), Unlock(t2_, kB), Unlock(t2_, kA);
  EXPECT_THAT(sink_.inversions, IsEmpty());
}

TEST_F(CheckerTest, ConditionWaitsAddNoSpuriousEdges) {
  Lock(t1_, kA);
  Lock(t1_, kB);  // edge A → B
  const size_t edges_before = sink_.edges.size();
  for (int wait = 0; wait < 3; ++wait) {
    ASSERT_TRUE(checker_.ReleaseForWait(t1_, kB, SiteAt(9)));
    Lock(t1_, kB);  // retaken inside the wait, while A is still held
  }
  EXPECT_EQ(sink_.edges.size(), edges_before);
  EXPECT_THAT(sink_.misuses, IsEmpty());
  // Waiting with a mutex the thread does not hold is misuse.
  EXPECT_FALSE(checker_.ReleaseForWait(t1_, kC, SiteAt(9)));
  ASSERT_THAT(sink_.misuses, SizeIs(1));
  EXPECT_EQ(sink_.misuses[0].kind, MisuseKind::kWaitNotHeld);
}

TEST_F(CheckerTest, RelockingANonRecursiveMutexIsASelfDeadlock) {
  Lock(t1_, kA);
  checker_.BeforeBlockingAcquire(t1_, kA, LockKind::kMutex, false, SiteAt(5));
  ASSERT_THAT(sink_.self_deadlocks, SizeIs(1));
  EXPECT_EQ(sink_.self_deadlocks[0].lock, sink_.IdOf(kA));
  EXPECT_FALSE(sink_.self_deadlocks[0].shared_held);

  Lock(t2_, kB, LockKind::kRecursiveMutex);
  Lock(t2_, kB, LockKind::kRecursiveMutex);
  Unlock(t2_, kB);
  Unlock(t2_, kB);
  EXPECT_THAT(sink_.self_deadlocks, SizeIs(1));
  EXPECT_THAT(sink_.misuses, IsEmpty());
}

// A mutex built again at the address of one this thread left locked (a
// stack mutex in a loop, no init or destroy seen): the lock's own state says
// nobody holds it, so taking it is no self-deadlock, and the stale hold is
// gone (no edge from it).
TEST_F(CheckerTest, AHoldTheLockDoesNotConfirmIsNoSelfDeadlock) {
  Lock(t1_, kB);
  Lock(t1_, kA);         // left locked
  FakeLocks()[kA] = {};  // its memory is a new, free mutex now
  const std::size_t edges_before = sink_.edges.size();
  Lock(t1_, kA);
  EXPECT_THAT(sink_.self_deadlocks, IsEmpty());
  EXPECT_EQ(sink_.edges.size(), edges_before);  // B -> A is known already
  Lock(t1_, kA);                                // now held for real, by the lock's own state too
  EXPECT_THAT(sink_.self_deadlocks, SizeIs(1));
}

TEST_F(CheckerTest, AskingExclusiveForASharedHoldIsASelfDeadlock) {
  checker_.BeforeBlockingAcquire(t1_, kA, LockKind::kRwLock, true, SiteAt(1));
  checker_.AfterAcquire(t1_, kA, LockKind::kRwLock, true, true, SiteAt(1));
  checker_.BeforeBlockingAcquire(t1_, kA, LockKind::kRwLock, true,
                                 SiteAt(2));  // shared again: fine
  EXPECT_THAT(sink_.self_deadlocks, IsEmpty());
  checker_.BeforeBlockingAcquire(t1_, kA, LockKind::kRwLock, false, SiteAt(3));
  ASSERT_THAT(sink_.self_deadlocks, SizeIs(1));
  EXPECT_TRUE(sink_.self_deadlocks[0].shared_held);
}

TEST_F(CheckerTest, UnlockingAnotherThreadsMutexIsMisuse) {
  Lock(t1_, kA);
  Unlock(t2_, kA);
  ASSERT_THAT(sink_.misuses, SizeIs(1));
  EXPECT_EQ(sink_.misuses[0].kind, MisuseKind::kUnlockNotOwner);
  EXPECT_EQ(sink_.misuses[0].owner, t1_.thread);
  EXPECT_EQ(sink_.misuses[0].thread, t2_.thread);
  // The lock is free now: t1 taking it again is no self-deadlock.
  Lock(t1_, kA);
  EXPECT_THAT(sink_.self_deadlocks, IsEmpty());

  Unlock(t2_, kC);  // never locked by anyone
  ASSERT_THAT(sink_.misuses, SizeIs(2));
  EXPECT_EQ(sink_.misuses[1].kind, MisuseKind::kUnlockUnlocked);
  Unlock(t2_, kC);  // the same misuse at the same site is reported once
  EXPECT_THAT(sink_.misuses, SizeIs(2));
}

TEST_F(CheckerTest, UnlockingAMutexItsLastHolderReleasedIsUnlockingAnUnlockedOne) {
  Lock(t1_, kA);
  Unlock(t1_, kA);
  Unlock(t2_, kA);
  ASSERT_THAT(sink_.misuses, SizeIs(1));
  EXPECT_EQ(sink_.misuses[0].kind, MisuseKind::kUnlockUnlocked);
  EXPECT_EQ(sink_.misuses[0].owner, 0u);
  Lock(t1_, kB);
  Unlock(t1_, kB);
  Unlock(t1_, kB);  // t1 itself was B's last holder
  ASSERT_THAT(sink_.misuses, SizeIs(2));
  EXPECT_EQ(sink_.misuses[1].kind, MisuseKind::kUnlockUnlocked);
}

TEST_F(CheckerTest, UnlockingALockTakenBeforeCheckingBeganIsNoMisuse) {
  Acquired(t1_, kA);  // the lock says t1 holds it; the checker never saw it taken
  Unlock(t1_, kA);
  EXPECT_THAT(sink_.misuses, IsEmpty());
}

// Ten locks at 0x10000 on (16 bytes apart), each held while thread 1
// takes kC: ten held lists of one lock each.
class HeldSetsTest : public CheckerTest {
 protected:
  explicit HeldSetsTest(std::size_t held_set_chains = kMaxKnownHeldSetChains)
      : CheckerTest(held_set_chains) {}
  void TakeEachWithCUnderIt(int locks) {
    for (std::uintptr_t i = 0; i < static_cast<std::uintptr_t>(locks); ++i) {
      Lock(t1_, 0x10000 + 16 * i);
      Lock(t1_, kC);
      Unlock(t1_, kC);
      Unlock(t1_, 0x10000 + 16 * i);
    }
  }
};
// A checker that keeps the held sets of four held lists only.
class ForgetfulCheckerTest : public HeldSetsTest {
 protected:
  ForgetfulCheckerTest() : HeldSetsTest(/*held_set_chains=*/4) {}
};

TEST_F(ForgetfulCheckerTest, AForgottenHeldListGetsANewHeldSetOfTheSameLocks) {
  TakeEachWithCUnderIt(10);  // past the four held lists kept
  ASSERT_THAT(sink_.held_sets, SizeIs(10));
  // The first again, under which a new lock is taken: its held list was
  // forgotten, so the new edge names a new held set, of the same lock.
  Lock(t1_, 0x10000);
  Lock(t1_, kB);
  ASSERT_THAT(sink_.edges, SizeIs(11));
  EXPECT_THAT(sink_.held_sets, SizeIs(11));
  EXPECT_NE(sink_.edges[10].witness.held_set, sink_.edges[0].witness.held_set);
  EXPECT_THAT(sink_.HeldBy(sink_.edges[10]), ElementsAre(sink_.IdOf(0x10000)));
  EXPECT_THAT(sink_.HeldBy(sink_.edges[0]), ElementsAre(sink_.IdOf(0x10000)));
}

TEST_F(HeldSetsTest, AHeldListKeptGetsItsHeldSetAgain) {
  TakeEachWithCUnderIt(10);
  Lock(t1_, 0x10000);
  Lock(t1_, kB);
  ASSERT_THAT(sink_.edges, SizeIs(11));
  EXPECT_THAT(sink_.held_sets, SizeIs(10));
  EXPECT_EQ(sink_.edges[10].witness.held_set, sink_.edges[0].witness.held_set);
}

TEST_F(CheckerTest, HoldsAThousandLocksAtOnce) {
  for (std::uintptr_t i = 0; i < 1000; ++i) Lock(t1_, 0x10000 + 16 * i);
  EXPECT_THAT(t1_.held, SizeIs(1000));
  EXPECT_EQ(checker_.lock_count(), 1000u);
  EXPECT_EQ(checker_.edge_count(), 999u);
  // Each edge names its held locks by one held set, each set declared once
  // as its parent plus a lock: records linear in the chain's length.
  EXPECT_THAT(sink_.held_sets, SizeIs(999));
  ASSERT_THAT(sink_.edges, SizeIs(999));
  EXPECT_THAT(sink_.HeldBy(sink_.edges[0]), ElementsAre(sink_.IdOf(0x10000)));
  const std::vector<LockId> held_at_last = sink_.HeldBy(sink_.edges[998]);
  ASSERT_THAT(held_at_last, SizeIs(999));
  EXPECT_EQ(held_at_last.front(), sink_.IdOf(0x10000));
  EXPECT_EQ(held_at_last.back(), sink_.IdOf(0x10000 + 16 * 998));
  for (std::uintptr_t i = 1000; i-- > 0;) Unlock(t1_, 0x10000 + 16 * i);
  EXPECT_THAT(t1_.held, IsEmpty());
  EXPECT_THAT(sink_.inversions, IsEmpty());
  EXPECT_THAT(sink_.misuses, IsEmpty());
}

TEST_F(CheckerTest, ReportsA64LockCycleInFull) {
  ThreadLockState threads[64];
  for (std::uintptr_t i = 0; i < 64; ++i) {
    const std::uintptr_t from = 0x20000 + 16 * i, to = 0x20000 + 16 * ((i + 1) % 64);
    Lock(threads[i], from);
    Lock(threads[i], to);
    Unlock(threads[i], to);
    Unlock(threads[i], from);
  }
  ASSERT_THAT(sink_.inversions, SizeIs(1));
  EXPECT_THAT(sink_.inversions[0].cycle, SizeIs(65));
}

// A program that builds and drops locks by the million, each used alone,
// pays no lookup, no record and no graph node per lock: a lock is resolved
// when another is taken under it, declared (and given a node) when an edge
// or a finding first names it.
TEST_F(CheckerTest, LocksUsedAloneAreNeitherResolvedRecordedNorInTheGraph) {
  for (std::uintptr_t i = 0; i < 1000; ++i) {
    Lock(t1_, 0x20000 + 16 * i), Unlock(t1_, 0x20000 + 16 * i);
    TryLock(t1_, 0x30000 + 16 * i), Unlock(t1_, 0x30000 + 16 * i);
    checker_.Forget(0x20000 + 16 * i);
  }
  EXPECT_EQ(checker_.lock_count(), 0u);
  EXPECT_EQ(checker_.graph_node_count(), 0u);
  EXPECT_THAT(sink_.locks, IsEmpty());

  Lock(t1_, kA), Lock(t1_, kB), Unlock(t1_, kB), Unlock(t1_, kA);
  EXPECT_EQ(checker_.graph_node_count(), 2u);
  ASSERT_THAT(sink_.locks, SizeIs(2));
  ASSERT_THAT(sink_.edges, SizeIs(1));
  EXPECT_EQ(sink_.edges[0].from, sink_.IdOf(kA));
  EXPECT_EQ(sink_.edges[0].to, sink_.IdOf(kB));
  Lock(t2_, kB), Lock(t2_, kA);  // the inversion names the locks by their ids, not graph nodes
  ASSERT_THAT(sink_.inversions, SizeIs(1));
  EXPECT_THAT(sink_.inversions[0].cycle,
              ::testing::ElementsAre(sink_.IdOf(kB), sink_.IdOf(kA), sink_.IdOf(kB)));
}

// Shared acquisitions take the fast path too, once their chain is known;
// a second shared hold of a held lock never does (it is counted on the
// first), nor does an exclusive request of a lock held shared.
TEST_F(CheckerTest, SharedAcquisitionsTakeTheFastPathOnceTheirChainIsKnown) {
  auto shared = [&](std::uintptr_t lock) {
    LockInfo* info =
        checker_.BeforeBlockingAcquire(t1_, lock, LockKind::kRwLock, true, SiteAt(lock));
    checker_.AfterAcquire(t1_, info, lock, LockKind::kRwLock, true, true, SiteAt(lock));
  };
  shared(kA), shared(kB);  // the slow path learns A, B and the chain A -> B
  checker_.BeforeRelease(t1_, kB, LockKind::kRwLock, SiteAt(kB));
  checker_.BeforeRelease(t1_, kA, LockKind::kRwLock, SiteAt(kA));

  ASSERT_NE(checker_.TryFastBlockingAcquire(t1_, kA, /*shared=*/true), nullptr);
  ASSERT_NE(checker_.TryFastBlockingAcquire(t1_, kB, /*shared=*/true), nullptr);
  EXPECT_TRUE(t1_.held.back().shared);
  EXPECT_EQ(checker_.TryFastBlockingAcquire(t1_, kB, /*shared=*/true), nullptr);  // B again
  EXPECT_EQ(checker_.TryFastBlockingAcquire(t1_, kB, /*shared=*/false), nullptr);
  EXPECT_THAT(t1_.held, SizeIs(2));
  EXPECT_THAT(sink_.edges, SizeIs(1));
  EXPECT_THAT(sink_.self_deadlocks, IsEmpty());
}

TEST_F(CheckerTest, AReusedAddressIsANewLockAfterForget) {
  Lock(t1_, kA), Lock(t1_, kB), Unlock(t1_, kB), Unlock(t1_, kA);
  const LockId old_a = sink_.IdOf(kA);
  checker_.Forget(kA);  // destroyed; a new mutex is built at the same address
  Lock(t2_, kB), Lock(t2_, kA);
  EXPECT_NE(sink_.IdOf(kA), old_a);
  EXPECT_THAT(sink_.inversions, IsEmpty());
}

// The graph's size follows the locks alive: a lock destroyed or freed takes
// its edges with it, and a cycle found before stays found.
TEST_F(CheckerTest, ForgottenLocksLeaveTheGraphWithTheirEdges) {
  Lock(t1_, kA), Lock(t1_, kB), Unlock(t1_, kB), Unlock(t1_, kA);
  Lock(t2_, kB), Lock(t2_, kA), Unlock(t2_, kA), Unlock(t2_, kB);
  ASSERT_THAT(sink_.inversions, SizeIs(1));
  EXPECT_EQ(checker_.graph_node_count(), 2u);
  EXPECT_EQ(checker_.edge_count(), 2u);  // A → B, and B → A that closed the cycle
  checker_.Forget(kA);
  EXPECT_EQ(checker_.graph_node_count(), 1u);
  EXPECT_EQ(checker_.edge_count(), 0u);

  for (std::uintptr_t round = 0; round < 1000; ++round) {
    Lock(t1_, kC), Lock(t1_, kA), Lock(t1_, kB);
    Unlock(t1_, kB), Unlock(t1_, kA), Unlock(t1_, kC);
    checker_.ForgetRange(kA, kA + 1);  // freed: a new lock is built there next round
  }
  EXPECT_EQ(checker_.graph_node_count(), 2u);  // B and C; A's thousand lives are gone
  EXPECT_EQ(checker_.edge_count(), 1u);        // C → B
  Lock(t2_, kB), Lock(t2_, kC);                // and C → B still closes a cycle
  EXPECT_THAT(sink_.inversions, SizeIs(2));
}

// A retired lock's LockInfo is taken over by the next new lock of its
// shard, and a thread that cached the old one sees a different lock there,
// not the old one (nor the lock now using its LockInfo).
TEST_F(CheckerTest, RetiredLocksInfoIsReusedAndAStaleCacheEntryIsAMiss) {
  for (std::uintptr_t round = 0; round < 1000; ++round) {
    Lock(t1_, kC), Lock(t1_, kA), Lock(t1_, kB);
    Unlock(t1_, kB), Unlock(t1_, kA), Unlock(t1_, kC);
    checker_.ForgetRange(kA, kA + 1);
  }
  EXPECT_EQ(checker_.lock_count(), 3u);  // A's thousand lives took one LockInfo

  constexpr std::uintptr_t kD = kA + 0x80;                         // A's page, A's shard
  Lock(t2_, kA), Lock(t2_, kB), Unlock(t2_, kB), Unlock(t2_, kA);  // t2 caches A
  checker_.Forget(kA);
  Lock(t1_, kD), Lock(t1_, kC), Unlock(t1_, kC), Unlock(t1_, kD);  // D takes A's LockInfo
  EXPECT_EQ(checker_.lock_count(), 3u);
  const std::size_t edges = sink_.edges.size();
  Lock(t2_, kA), Lock(t2_, kC), Unlock(t2_, kC), Unlock(t2_, kA);  // a new lock at A
  ASSERT_EQ(sink_.edges.size(), edges + 1) << "t2 took the new A for D, whose edge to C exists";
  EXPECT_EQ(checker_.lock_count(), 4u);
  EXPECT_NE(sink_.IdOf(kA), sink_.IdOf(kD));
  EXPECT_EQ(sink_.edges.back().from, sink_.IdOf(kA));
  EXPECT_EQ(sink_.edges.back().to, sink_.IdOf(kC));
}

TEST(CheckerThreadsTest, RealThreadsSharingTheCheckerAreSafe) {
  // Real mutexes, locked in one global order, with the checker's hooks
  // around them as the interposer calls them. Under TSan this checks the
  // checker's own synchronisation; everywhere, that it stays quiet.
  RecordingSink sink;
  // No thread ever unlocks another's lock here, so nobody asks who holds one.
  LockOrderChecker checker(&sink, [](std::uintptr_t, LockKind) -> std::int64_t { return 0; });
  std::mutex mutexes[8];
  const auto address = [&mutexes](int i) { return reinterpret_cast<std::uintptr_t>(&mutexes[i]); };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      ThreadLockState state;
      for (int round = 0; round < 2000; ++round) {
        const int first = round % 7, second = first + 1 + (t + round) % (7 - first);
        for (int index : {first, second}) {
          checker.BeforeBlockingAcquire(state, address(index), LockKind::kMutex, false, SiteAt(1));
          mutexes[index].lock();
          checker.AfterAcquire(state, address(index), LockKind::kMutex, false, true, SiteAt(1));
        }
        for (int index : {second, first}) {
          checker.BeforeRelease(state, address(index), LockKind::kMutex, SiteAt(3));
          mutexes[index].unlock();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_GT(checker.edge_count(), 0u);
  EXPECT_THAT(sink.misuses, IsEmpty());
  EXPECT_THAT(sink.inversions, IsEmpty());
  EXPECT_THAT(sink.self_deadlocks, IsEmpty());
}

}  // namespace
}  // namespace racelab::lockorder::checker_test
