// The tests of a GoogleTest binary (`racelab run --gtest`): the binary's
// own `--gtest_list_tests` output, read into full test names
// ("Suite.Name"; "Prefix/Suite.Name/0" for a parameterised one, as
// --gtest_filter takes them). Disabled tests (DISABLED_) are left out, as
// GoogleTest leaves them out of a run.
#ifndef RACELAB_HARNESS_RUNNER_GTEST_LISTING_H_
#define RACELAB_HARNESS_RUNNER_GTEST_LISTING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace racelab {

// The full names in `listing`, the text `--gtest_list_tests` prints:
// "Suite." lines, each followed by its tests indented by two spaces, either
// possibly followed by a "  # TypeParam = ..." or "  # GetParam() = ..."
// comment. Lines of any other shape (a runtime's warning) are skipped.
std::vector<std::string> ParseGtestListing(absl::string_view listing);

// Runs `argv` (the test binary and its arguments) with --gtest_list_tests
// and `filter` (GoogleTest's --gtest_filter syntax; "" = every test), and
// returns the tests it lists. An error names the binary when it cannot be
// started, fails, or lists nothing a GoogleTest binary would print.
absl::StatusOr<std::vector<std::string>> ListGtestTests(const std::vector<std::string>& argv,
                                                        const std::string& filter);

}  // namespace racelab

#endif  // RACELAB_HARNESS_RUNNER_GTEST_LISTING_H_
