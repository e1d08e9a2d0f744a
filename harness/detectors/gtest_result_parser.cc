// GoogleTest's JSON result, read (see gtest_result_parser.h).
#include "harness/detectors/gtest_result_parser.h"

#include <charconv>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace racelab {
namespace {

using nlohmann::json;

// A failure's text: "path/file.cc:12\n<message>", or "unknown file\n...".
GtestAssertionFailure SplitFailure(const std::string& text) {
  GtestAssertionFailure failure;
  const size_t end_of_first = text.find('\n');
  const std::string first = text.substr(0, end_of_first);
  failure.message = end_of_first == std::string::npos ? "" : text.substr(end_of_first + 1);
  const size_t colon = first.rfind(':');
  int line = 0;
  if (colon != std::string::npos && colon + 1 < first.size()) {
    const char* begin = first.data() + colon + 1;
    const char* end = first.data() + first.size();
    const auto [stop, error] = std::from_chars(begin, end, line);
    if (error == std::errc() && stop == end && line > 0) {
      failure.file = first.substr(0, colon);
      failure.line = line;
      return failure;
    }
  }
  // No file:line: the first line is part of the message.
  failure.message = first == "unknown file" ? failure.message : text;
  return failure;
}

std::string StringOr(const json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

}  // namespace

absl::StatusOr<GtestTestResult> ParseGtestJsonResult(absl::string_view text,
                                                     absl::string_view full_name) {
  const json document = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object() || !document.contains("testsuites") ||
      !document["testsuites"].is_array()) {
    return absl::InvalidArgumentError("not a GoogleTest JSON result (no \"testsuites\" array)");
  }
  GtestTestResult result;
  for (const json& suite : document["testsuites"]) {
    if (!suite.is_object() || !suite.contains("testsuite") || !suite["testsuite"].is_array()) {
      continue;
    }
    const std::string suite_name = StringOr(suite, "name");
    for (const json& test : suite["testsuite"]) {
      if (!test.is_object() || absl::StrCat(suite_name, ".", StringOr(test, "name")) != full_name) {
        continue;
      }
      // "status": "RUN" or "NOTRUN"; "result": "COMPLETED", "SKIPPED", ...
      result.ran = StringOr(test, "status") != "NOTRUN";
      result.skipped = StringOr(test, "result") == "SKIPPED";
      if (test.contains("failures") && test["failures"].is_array()) {
        for (const json& failure : test["failures"]) {
          if (failure.is_object())
            result.failures.push_back(SplitFailure(StringOr(failure, "failure")));
        }
      }
      return result;
    }
  }
  return result;
}

}  // namespace racelab
