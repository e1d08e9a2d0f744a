// Tests for grading: verdicts, merging of findings, summary and exit codes.
#include "harness/report/grade.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab {
namespace {

const std::vector<Detector> kTsanBuild = {Detector::kTsan, Detector::kWatchdog, Detector::kOracle,
                                          Detector::kCrash};
const std::vector<Detector> kPlainBuild = {Detector::kWatchdog, Detector::kOracle,
                                           Detector::kCrash};

CaseDeclaration RacyCounter() {
  return {"counter",
          "racy",
          Expect::kBug,
          {FindingKind::kDataRace, FindingKind::kInvariant},
          {Detector::kTsan, Detector::kOracle}};
}
CaseDeclaration CleanCounter() { return {"counter", "atomic", Expect::kClean, {}, {}}; }

Finding Race(int line) {
  return Finding{Detector::kTsan,
                 FindingKind::kDataRace,
                 SanitizerReport{"ThreadSanitizer", "race"},
                 {Location{"cases/counter/counter.cc", line, "Increment", "T1", "write"}}};
}

RunRecord MakeRun(std::vector<Finding> findings, std::string observed = "counter=1") {
  RunRecord run;
  run.findings = std::move(findings);
  run.observed = std::move(observed);
  run.wall = absl::Milliseconds(10);
  return run;
}

TEST(GradeTest, RacyDetectedCountsRunsAndMergesEqualFindings) {
  CaseResult result = GradeCase(
      RacyCounter(), {MakeRun({Race(31)}), MakeRun({}), MakeRun({Race(31), Race(40)})}, kTsanBuild);
  EXPECT_EQ(result.verdict, Verdict::kDetected);
  EXPECT_EQ(result.runs, 3);
  EXPECT_EQ(result.runs_with_findings, 2);
  EXPECT_EQ(result.runs_detected, 2);
  ASSERT_EQ(result.findings.size(), 2u);
  EXPECT_EQ(result.findings[0].count, 2);
  EXPECT_EQ(result.findings[1].count, 1);
  EXPECT_EQ(result.duration, absl::Milliseconds(30));
  EXPECT_EQ(result.outcomes.at("counter=1"), 3);
  EXPECT_TRUE(result.note.empty());
}

TEST(GradeTest, PerturbedRunsKeepTheirSeedsAndEachFindingTheFirstThatShowedIt) {
  std::vector<RunRecord> runs = {MakeRun({}, "counter=7"), MakeRun({Race(31)}, "counter=5"),
                                 MakeRun({Race(31)}, "counter=5")};
  runs[0].seed = 11;
  runs[1].seed = 22;
  runs[2].seed = 33;
  CaseResult result = GradeCase(RacyCounter(), runs, kTsanBuild);
  EXPECT_EQ(result.seeds, (std::vector<std::uint64_t>{11, 22, 33}));
  // Each seed with what its run observed and found: which schedules give
  // which results.
  EXPECT_EQ(result.outcomes_by_seed,
            (std::map<std::uint64_t, std::string>{{11, "counter=7; no finding"},
                                                  {22, "counter=5; tsan data-race"},
                                                  {33, "counter=5; tsan data-race"}}));
  // A run with no observation (a program's) still has an outcome.
  RunRecord silent = MakeRun({Race(31)});
  silent.observed.clear();
  silent.seed = 44;
  EXPECT_EQ(GradeCase(RacyCounter(), {silent}, kTsanBuild).outcomes_by_seed.at(44),
            "tsan data-race");
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].seed, 22u);
  EXPECT_EQ(result.findings[0].count, 2);
  // Unperturbed runs have no seeds.
  CaseResult plain = GradeCase(RacyCounter(), {MakeRun({Race(31)})}, kTsanBuild);
  EXPECT_TRUE(plain.seeds.empty());
  EXPECT_FALSE(plain.findings[0].seed.has_value());
}

TEST(GradeTest, ReportsOfOneRaceInOneRunCountOnceAndKeepTheRichestExample) {
  Finding partial = Race(31);  // the previous access's stack was lost
  Finding full = Race(31);
  full.evidence = SanitizerReport{"ThreadSanitizer", "race with both stacks"};
  full.locations.push_back(Location{"cases/counter/counter.cc", 31, "Increment", "T2", "previous"});
  full.locations[0].thread = "T3";  // another thread pair: still the same bug
  CaseResult result = GradeCase(RacyCounter(), {MakeRun({partial, full, partial})}, kTsanBuild);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].count, 1);
  EXPECT_EQ(FindingMessage(result.findings[0]), "ThreadSanitizer: race with both stacks");
  EXPECT_EQ(result.findings[0].locations.size(), 2u);
}

TEST(GradeTest, ACycleReportedFromEitherThreadIsOneBug) {
  const Location a_held{"t.cc", 10, "Transfer", "T1", "holds M0"};
  const Location a_wants{"t.cc", 11, "Transfer", "T1", "requests M1"};
  const Location b_held{"t.cc", 20, "Audit", "T2", "holds M1"};
  const Location b_wants{"t.cc", 21, "Audit", "T2", "requests M0"};
  const Finding from_first{Detector::kLockorder,
                           FindingKind::kLockOrderInversion,
                           LockCycle{},
                           {a_held, a_wants, b_held, b_wants}};
  const Finding from_second{Detector::kLockorder,
                            FindingKind::kLockOrderInversion,
                            LockCycle{},
                            {b_held, b_wants, a_held, a_wants}};
  const CaseDeclaration abba{
      "abba", "racy", Expect::kBug, {FindingKind::kLockOrderInversion}, {Detector::kLockorder}};
  CaseResult result =
      GradeCase(abba, {MakeRun({from_first}), MakeRun({from_second})}, {Detector::kLockorder});
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].count, 2);
  EXPECT_TRUE(result.findings[0].expected);
}

TEST(GradeTest, OnlyDeclaredKindsOfABuggyCaseAreExpected) {
  Finding crash{
      Detector::kCrash, FindingKind::kCrash, ProcessEnd{ProcessEnd::How::kDied, "died"}, {}};
  CaseResult racy = GradeCase(RacyCounter(), {MakeRun({Race(31), crash})}, kTsanBuild);
  ASSERT_EQ(racy.findings.size(), 2u);
  EXPECT_TRUE(racy.findings[0].expected);
  EXPECT_FALSE(racy.findings[1].expected);
  CaseResult clean = GradeCase(CleanCounter(), {MakeRun({Race(31)})}, kTsanBuild);
  ASSERT_EQ(clean.findings.size(), 1u);
  EXPECT_FALSE(clean.findings[0].expected);
}

TEST(GradeTest, RepeatedRunErrorsAreListedOnce) {
  RunRecord broken;
  broken.error = "child ended without a result";
  EXPECT_EQ(GradeCase(CleanCounter(), {broken, broken}, kTsanBuild).errors.size(), 1u);
}

TEST(GradeTest, RacyWithOnlyOtherKindsIsMissed) {
  Finding hang{Detector::kWatchdog, FindingKind::kHang, StuckRun{"hang"}, {}};
  CaseResult result = GradeCase(RacyCounter(), {MakeRun({hang})}, kTsanBuild);
  EXPECT_EQ(result.verdict, Verdict::kMissed);
  EXPECT_EQ(result.runs_with_findings, 1);
  EXPECT_EQ(result.runs_detected, 0);
}

TEST(GradeTest, UndetectableInThisBuildIsMissedWithANote) {
  CaseDeclaration needs_tsan{
      "lock_pipeline", "racy", Expect::kBug, {FindingKind::kMutexMisuse}, {Detector::kTsan}};
  CaseResult result = GradeCase(needs_tsan, {MakeRun({})}, kPlainBuild);
  EXPECT_EQ(result.verdict, Verdict::kMissed);
  EXPECT_THAT(result.note, ::testing::HasSubstr("needs tsan"));
}

TEST(GradeTest, SomeRunsDetectorsOnlyAreNoted) {
  CaseDeclaration counter{"counter",         "racy",
                          Expect::kBug,      {FindingKind::kInvariant},
                          {Detector::kTsan}, {Detector::kOracle}};
  Finding lost{Detector::kOracle, FindingKind::kInvariant, InvariantViolation{"lost"}, {}};
  CaseResult result = GradeCase(counter, {MakeRun({lost}), MakeRun({})}, kPlainBuild);
  EXPECT_EQ(result.verdict, Verdict::kDetected);
  EXPECT_EQ(result.runs_detected, 1);
  EXPECT_THAT(result.note, ::testing::HasSubstr("oracle sees it only in runs"));
  EXPECT_TRUE(GradeCase(counter, {MakeRun({lost})}, kTsanBuild).note.empty());
}

TEST(GradeTest, CleanCaseWithAnyFindingIsAFalsePositive) {
  EXPECT_EQ(GradeCase(CleanCounter(), {MakeRun({}), MakeRun({})}, kTsanBuild).verdict,
            Verdict::kClean);
  EXPECT_EQ(GradeCase(CleanCounter(), {MakeRun({}), MakeRun({Race(3)})}, kTsanBuild).verdict,
            Verdict::kFalsePositive);
}

// A user's own test (racelab run --gtest) is expected clean, and a finding
// in it is a bug found in the user's code: `detected`, never racelab's own
// false positive; still not as expected, so the run exits 1.
TEST(GradeTest, AUsersTestWithAFindingIsDetectedAndNotAsExpected) {
  CaseDeclaration test{"gtest", "MoveTest.BackAndForth", Expect::kClean, {}, {}};
  test.per_test = true;
  CaseResult found = GradeCase(test, {MakeRun({}), MakeRun({Race(3)})}, kTsanBuild);
  EXPECT_EQ(found.verdict, Verdict::kDetected);
  EXPECT_FALSE(IsAsExpected(found));
  const Summary summary = Summarize({found});
  EXPECT_EQ(summary.detected, 1);
  EXPECT_EQ(summary.as_expected, 0);
  EXPECT_EQ(ExitCodeFor(summary), 1);
  CaseResult clean = GradeCase(test, {MakeRun({}), MakeRun({})}, kTsanBuild);
  EXPECT_EQ(clean.verdict, Verdict::kClean);
  EXPECT_TRUE(IsAsExpected(clean));
  // A catalog case detected as declared is as expected.
  EXPECT_TRUE(IsAsExpected(GradeCase(RacyCounter(), {MakeRun({Race(1)})}, kTsanBuild)));
}

TEST(GradeTest, ACorrectCaseThatTimesOutIsAnErrorOfTheRunNotAFalsePositive) {
  const Finding timeout{Detector::kWatchdog,
                        FindingKind::kTimeout,
                        StillRunning{absl::Seconds(5), absl::Milliseconds(500)},
                        {}};
  CaseResult result = GradeCase(CleanCounter(), {MakeRun({}), MakeRun({timeout})}, kTsanBuild);
  EXPECT_EQ(result.verdict, Verdict::kError);
  EXPECT_TRUE(result.findings.empty());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_THAT(result.errors[0], testing::HasSubstr("still running after 5s"));
  EXPECT_THAT(result.errors[0], testing::HasSubstr("overloaded machine"));
  // For a buggy case it is a finding like any other, a detection only when declared.
  EXPECT_EQ(GradeCase(RacyCounter(), {MakeRun({timeout})}, kTsanBuild).verdict, Verdict::kMissed);
}

TEST(GradeTest, AnyRunErrorMakesTheCaseAnError) {
  RunRecord broken;
  broken.error = "child ended without a result";
  EXPECT_EQ(GradeCase(RacyCounter(), {MakeRun({Race(1)}), broken}, kTsanBuild).verdict,
            Verdict::kError);
  EXPECT_EQ(GradeCase(CleanCounter(), {}, kTsanBuild).verdict, Verdict::kError);
}

TEST(GradeTest, SummaryAndExitCodes) {
  std::vector<CaseResult> results(4);
  results[0].declaration.expect = Expect::kBug;
  results[0].verdict = Verdict::kDetected;
  results[1].verdict = Verdict::kClean;
  Summary all_good = Summarize({results[0], results[1]});
  EXPECT_EQ(all_good.as_expected, 2);
  EXPECT_EQ(ExitCodeFor(all_good), 0);

  results[2].verdict = Verdict::kMissed;
  results[3].verdict = Verdict::kFalsePositive;
  Summary some_bad = Summarize(results);
  EXPECT_EQ(some_bad.total, 4);
  EXPECT_EQ(some_bad.missed, 1);
  EXPECT_EQ(some_bad.false_positives, 1);
  EXPECT_EQ(ExitCodeFor(some_bad), 1);

  results[3].verdict = Verdict::kError;
  EXPECT_EQ(ExitCodeFor(Summarize(results)), 2);
}

}  // namespace
}  // namespace racelab
