// ConditionWaiters: who waits on which condition variable with which
// mutex, and how many of them nothing woke (a lower bound).
#include "harness/lockorder/condition_waiters.h"

#include "gtest/gtest.h"

namespace racelab::lockorder {
namespace {

constexpr std::uintptr_t kReady = 0x1000, kDone = 0x2000, kMutexA = 0x10, kMutexB = 0x20;

TEST(ConditionWaitersTest, AWaiterNothingWokeIsUnwokenUntilItReturns) {
  ConditionWaiters waiters;
  EXPECT_EQ(waiters.Unwoken(kReady), 0);
  ASSERT_TRUE(waiters.BeginWait(kReady, kMutexA).tracked);
  EXPECT_EQ(waiters.Unwoken(kReady), 1);
  EXPECT_EQ(waiters.Unwoken(kDone), 0);
  waiters.EndWait(kReady);  // timed out
  EXPECT_EQ(waiters.Unwoken(kReady), 0);
}

TEST(ConditionWaitersTest, ASignalWakesOneWaiterABroadcastAll) {
  ConditionWaiters waiters;
  for (int i = 0; i < 3; ++i) waiters.BeginWait(kReady, kMutexA);
  waiters.Signaled(kReady);
  EXPECT_EQ(waiters.Unwoken(kReady), 2);
  waiters.Broadcasted(kReady);
  EXPECT_EQ(waiters.Unwoken(kReady), 0);
  // A thread that starts waiting after the broadcast is not woken by it.
  waiters.BeginWait(kReady, kMutexA);
  EXPECT_EQ(waiters.Unwoken(kReady), 1);
}

// A woken waiter that returns is counted out twice (by the signal and by
// its return): the count may fall short of the truth, never exceed it.
TEST(ConditionWaitersTest, TheCountNeverExceedsTheWaitersLeft) {
  ConditionWaiters waiters;
  waiters.BeginWait(kReady, kMutexA);
  waiters.BeginWait(kReady, kMutexA);
  waiters.Signaled(kReady);
  waiters.EndWait(kReady);                // the signalled one
  EXPECT_EQ(waiters.Unwoken(kReady), 0);  // one still blocks: missed, not invented
  waiters.Signaled(kReady);               // a signal with no unwoken waiter counted changes nothing
  EXPECT_EQ(waiters.Unwoken(kReady), 0);
}

TEST(ConditionWaitersTest, ASecondMutexIsNamedWhileTheFirstOnesWaitersWait) {
  ConditionWaiters waiters;
  EXPECT_EQ(waiters.BeginWait(kReady, kMutexA).other_mutex, 0u);
  EXPECT_EQ(waiters.BeginWait(kReady, kMutexA).other_mutex, 0u);
  EXPECT_EQ(waiters.BeginWait(kReady, kMutexB).other_mutex, kMutexA);
  for (int i = 0; i < 3; ++i) waiters.EndWait(kReady);
  // Once nobody waits, the condition variable may be used with another mutex.
  EXPECT_EQ(waiters.BeginWait(kReady, kMutexB).other_mutex, 0u);
  EXPECT_EQ(waiters.BeginWait(kDone, kMutexA).other_mutex, 0u);
}

TEST(ConditionWaitersTest, AFullTableTracksNoMoreWaitsAndFreesSlotsWhenWaitersLeave) {
  ConditionWaiters waiters;
  std::uintptr_t condition = 0x10000;
  while (waiters.BeginWait(condition, kMutexA).tracked) condition += 0x40;
  EXPECT_EQ(waiters.Unwoken(condition), 0);  // untracked: never reported
  waiters.EndWait(0x10000);
  EXPECT_TRUE(waiters.BeginWait(condition, kMutexA).tracked);
}

}  // namespace
}  // namespace racelab::lockorder
