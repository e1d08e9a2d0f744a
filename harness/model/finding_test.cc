// Tests for the shared vocabulary's names (shared/DESIGN.md spellings).
#include "harness/model/finding.h"

#include <set>

#include "gtest/gtest.h"

namespace racelab {
namespace {

TEST(FindingNamesTest, KindsUseTheDesignSpellingsAndRoundTrip) {
  EXPECT_EQ(FindingKindName(FindingKind::kDataRace), "data-race");
  EXPECT_EQ(FindingKindName(FindingKind::kLockOrderInversion), "lock-order-inversion");
  EXPECT_EQ(FindingKindName(FindingKind::kMutexMisuse), "mutex-misuse");
  std::set<absl::string_view> seen;
  for (FindingKind kind : AllFindingKinds()) {
    EXPECT_TRUE(seen.insert(FindingKindName(kind)).second) << FindingKindName(kind);
    EXPECT_EQ(ParseFindingKind(FindingKindName(kind)), kind);
  }
  EXPECT_EQ(ParseFindingKind("data_race"), std::nullopt);
}

TEST(FindingNamesTest, DetectorsRoundTrip) {
  for (Detector detector : AllDetectors()) {
    EXPECT_EQ(ParseDetector(DetectorName(detector)), detector);
  }
  EXPECT_EQ(DetectorName(Detector::kLockorder), "lockorder");
  EXPECT_EQ(ParseDetector("helgrind"), std::nullopt);
}

TEST(FindingNamesTest, VerdictsAndExpectations) {
  EXPECT_EQ(VerdictName(Verdict::kFalsePositive), "false-positive");
  EXPECT_EQ(VerdictName(Verdict::kDetected), "detected");
  EXPECT_EQ(ExpectName(Expect::kBug), "bug");
  EXPECT_EQ(ExpectName(Expect::kClean), "clean");
}

}  // namespace
}  // namespace racelab
