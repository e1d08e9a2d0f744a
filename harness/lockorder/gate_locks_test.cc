// Tests the gate-lock rule: held at every step, outside the cycle, oldest
// first.
#include "harness/lockorder/gate_locks.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab::lockorder {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(GateLocksTest, ALockHeldAtEveryStepOutsideTheCycleIsAGate) {
  // Cycle 1 -> 2 -> 1; both steps taken holding 7 then 9.
  EXPECT_THAT(GateLocks({{7, 9, 1}, {7, 9, 2}}, {1, 2, 1}), ElementsAre(7, 9));
}

TEST(GateLocksTest, HeldAtOnlySomeStepsOrInTheCycleIsNoGate) {
  EXPECT_THAT(GateLocks({{7, 1}, {2}}, {1, 2, 1}), IsEmpty());
  EXPECT_THAT(GateLocks({{1}, {2, 1}}, {1, 2, 1}), IsEmpty());  // 1 is the cycle's own
  EXPECT_THAT(GateLocks({{7, 1}, {7, 2}, {3}}, {1, 2, 3, 1}), IsEmpty());
}

TEST(GateLocksTest, OldestFirstAsTheFirstStepHeldThem) {
  EXPECT_THAT(GateLocks({{9, 7, 1}, {7, 9, 2}}, {1, 2, 1}), ElementsAre(9, 7));
  EXPECT_THAT(GateLocks({}, {1, 2, 1}), IsEmpty());
}

}  // namespace
}  // namespace racelab::lockorder
