// What one run of one case produced, as data: the findings every detector
// returned, what the body observed, and whether the harness could run it at
// all. Produced by the runner, consumed by grading and reports.
#ifndef RACELAB_HARNESS_MODEL_RUN_RECORD_H_
#define RACELAB_HARNESS_MODEL_RUN_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "harness/model/finding.h"

namespace racelab {

// What a per-test run (--gtest) observed: the test's outcome.
inline constexpr char kTestPassed[] = "passed";
inline constexpr char kTestFailed[] = "failed";
inline constexpr char kTestSkipped[] = "skipped";
inline constexpr char kTestDidNotFinish[] = "did not finish";  // a crash, a hang

struct RunRecord {
  std::vector<Finding> findings;
  std::string observed;  // the body's Observation::summary; empty if it never finished
  std::string ended;     // how the child ended: "exit 0", "timed out after 1s", ...
  std::string error;     // non-empty when the harness could not run or read this run
  absl::Duration wall;
  std::optional<std::uint64_t> seed;  // the run's schedule seed (--perturb); none: not perturbed
};

// What a case declares about itself, as grading needs it.
struct CaseDeclaration {
  std::string pattern;
  std::string variant;
  Expect expect = Expect::kClean;
  std::vector<FindingKind> bug_kinds;
  std::vector<Detector> found_by;            // find it in every run
  std::vector<Detector> sometimes_found_by;  // find it in some runs
  // A GoogleTest test run on its own (--gtest): each run passes or fails,
  // and a test that does both is flaky (CaseResult::flaky).
  bool per_test = false;

  std::string Id() const { return pattern + "/" + variant; }
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_MODEL_RUN_RECORD_H_
