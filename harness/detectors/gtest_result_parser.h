// What GoogleTest's JSON result file (--gtest_output=json:FILE) says about
// the one test a per-test run ran (`racelab run --gtest`): whether it ran,
// was skipped, and each assertion that failed, with its file and line.
// Pure: text in, data out. Any thread.
#ifndef RACELAB_HARNESS_DETECTORS_GTEST_RESULT_PARSER_H_
#define RACELAB_HARNESS_DETECTORS_GTEST_RESULT_PARSER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace racelab {

struct GtestAssertionFailure {
  std::string file;  // "" when GoogleTest knew none ("unknown file")
  int line = 0;
  std::string message;  // GoogleTest's message, without the file:line line
};

struct GtestTestResult {
  bool ran = false;  // the test is in the file and was run
  bool skipped = false;
  std::vector<GtestAssertionFailure> failures;
};

// The result of test `full_name` ("Suite.Name", parameterised and typed
// names as GoogleTest lists them) in `json`. InvalidArgument when the text
// is not GoogleTest's JSON result; a test not in it did not run.
absl::StatusOr<GtestTestResult> ParseGtestJsonResult(absl::string_view json,
                                                     absl::string_view full_name);

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_GTEST_RESULT_PARSER_H_
