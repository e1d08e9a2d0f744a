// Tests for the child result file format.
#include "harness/catalog/child_result.h"

#include "gtest/gtest.h"

namespace racelab {
namespace {

TEST(ChildResultTest, RoundTripsEveryOracleState) {
  for (ChildResult::Oracle oracle :
       {ChildResult::Oracle::kNone, ChildResult::Oracle::kHeld, ChildResult::Oracle::kViolated}) {
    ChildResult written{"counter=12", oracle,
                        oracle == ChildResult::Oracle::kViolated ? "lost\nupdates" : ""};
    absl::StatusOr<ChildResult> read = ParseChildResult(FormatChildResult(written));
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->observed, "counter=12");
    EXPECT_EQ(read->oracle, oracle);
    if (oracle == ChildResult::Oracle::kViolated) {
      EXPECT_EQ(read->violation, "lost updates");
    }
  }
}

TEST(ChildResultTest, RefusesForeignAndTruncatedFiles) {
  EXPECT_EQ(ParseChildResult("").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseChildResult("hello\n").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseChildResult("racelab-child-result/1\nobserved\tx\n").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(
      ParseChildResult("racelab-child-result/1\nobserved\tx\noracle\tmaybe\n").status().code(),
      absl::StatusCode::kDataLoss);
}

// Found by tests/fuzz/child_result_fuzzer: a value with a tab in it used to
// be accepted (and cut at the tab, for `observed`), and a second oracle line
// overrode the first but kept its message: what the parser accepted did not
// format back to itself.
TEST(ChildResultTest, RefusesTabsCarriageReturnsAndRepeatedLines) {
  EXPECT_EQ(
      ParseChildResult("racelab-child-result/1\nobserved\ta\tb\noracle\tnone\n").status().code(),
      absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseChildResult("racelab-child-result/1\nobserved\tx\noracle\tviolated\ta\tb\n")
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(
      ParseChildResult("racelab-child-result/1\nobserved\tx\r\noracle\tnone\n").status().code(),
      absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseChildResult("racelab-child-result/1\nobserved\tx\noracle\tviolated\tlost\n"
                             "oracle\theld\n")
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseChildResult("racelab-child-result/1\nobserved\tx\nobserved\ty\noracle\tnone\n")
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace racelab
