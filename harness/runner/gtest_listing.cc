// A GoogleTest binary's test list (see gtest_listing.h).
#include "harness/runner/gtest_listing.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "harness/process/child_process.h"

namespace racelab {
namespace {

// A listing line without its trailing "  # ..." comment and spaces.
absl::string_view WithoutComment(absl::string_view line) {
  if (const size_t comment = line.find("  #"); comment != absl::string_view::npos) {
    line = line.substr(0, comment);
  }
  return absl::StripTrailingAsciiWhitespace(line);
}

// GoogleTest skips a test whose suite or own name starts with DISABLED_
// (for a parameterised suite, the part after the instantiation's prefix).
bool Disabled(absl::string_view suite, absl::string_view name) {
  const absl::string_view suite_part = suite.substr(suite.rfind('/') + 1);
  return absl::StartsWith(suite_part, "DISABLED_") || absl::StartsWith(name, "DISABLED_");
}

constexpr absl::Duration kListingTimeout = absl::Seconds(60);

}  // namespace

std::vector<std::string> ParseGtestListing(absl::string_view listing) {
  std::vector<std::string> tests;
  std::string suite;  // with its trailing '.'
  for (absl::string_view raw : absl::StrSplit(listing, '\n')) {
    absl::ConsumeSuffix(&raw, "\r");
    const absl::string_view line = WithoutComment(raw);
    if (line.empty()) continue;
    if (absl::StartsWith(raw, "  ") && !absl::StartsWith(raw, "   ")) {
      const absl::string_view name = line.substr(2);
      if (suite.empty() || name.empty() || absl::StrContains(name, ' ')) continue;
      if (!Disabled(absl::string_view(suite).substr(0, suite.size() - 1), name)) {
        tests.push_back(absl::StrCat(suite, name));
      }
    } else if (raw[0] != ' ' && absl::EndsWith(line, ".") && !absl::StrContains(line, ' ')) {
      suite = std::string(line);
    } else {
      suite.clear();  // not a listing line: what follows is not this suite's
    }
  }
  return tests;
}

absl::StatusOr<std::vector<std::string>> ListGtestTests(const std::vector<std::string>& argv,
                                                        const std::string& filter) {
  ChildSpec spec;
  spec.argv = argv;
  spec.argv.push_back("--gtest_list_tests");
  if (!filter.empty()) spec.argv.push_back(absl::StrCat("--gtest_filter=", filter));
  spec.timeout = kListingTimeout;
  spec.output_keep_head = 16 * 1024 * 1024;  // a suite of many thousand tests
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  if (!outcome.ok()) return outcome.status();
  if (outcome->end != ChildOutcome::End::kExited || outcome->exit_code != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", argv[0], " --gtest_list_tests' did not list its tests (",
                     DescribeEnd(*outcome), "); is it a GoogleTest binary?"));
  }
  std::vector<std::string> tests = ParseGtestListing(outcome->output_head);
  if (tests.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "'", argv[0], " --gtest_list_tests' lists no test",
        filter.empty() ? "" : absl::StrCat(" that --gtest_filter=", filter, " selects"),
        " (is it a GoogleTest binary?)"));
  }
  return tests;
}

}  // namespace racelab
