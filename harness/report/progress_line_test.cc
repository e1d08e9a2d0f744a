// Tests for the live progress line's text (what it draws is plain text; the
// terminal handling is a \r and an erase).
#include "harness/report/progress_line.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab {
namespace {

TEST(ProgressTextTest, FirstCaseHasNoEstimateYet) {
  EXPECT_EQ(ProgressText(0, 55, "abba_deadlock/ordered", absl::Milliseconds(10)),
            "[1/55] abba_deadlock/ordered  0s elapsed");
}

TEST(ProgressTextTest, EstimateAssumesTheRestTakeAsLongAsTheFinishedOnes) {
  // 10 cases done in 20 s: 45 left at 2 s each.
  EXPECT_EQ(ProgressText(10, 55, "counter/racy", absl::Seconds(20)),
            "[11/55] counter/racy  20s elapsed, ETA 1m30s");
}

TEST(ProgressLineTest, ADisabledLineDrawsNothing) {
  ProgressLine line(/*enabled=*/false);
  ::testing::internal::CaptureStderr();
  line.Show(0, 3, "counter/racy", absl::Seconds(1));
  line.Clear();
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace racelab
