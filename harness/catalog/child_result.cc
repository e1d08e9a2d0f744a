// Writing and reading the child's result file (see child_result.h).
#include "harness/catalog/child_result.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace racelab {
namespace {

constexpr absl::string_view kHeader = "racelab-child-result/1";

std::string OneLine(absl::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return line;
}

}  // namespace

std::string FormatChildResult(const ChildResult& result) {
  std::string oracle;
  switch (result.oracle) {
    case ChildResult::Oracle::kNone:
      oracle = "none";
      break;
    case ChildResult::Oracle::kHeld:
      oracle = "held";
      break;
    case ChildResult::Oracle::kViolated:
      oracle = absl::StrCat("violated\t", OneLine(result.violation));
      break;
  }
  return absl::StrCat(kHeader, "\nobserved\t", OneLine(result.observed), "\noracle\t", oracle,
                      "\n");
}

absl::StatusOr<ChildResult> ParseChildResult(absl::string_view text) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  if (lines.empty() || lines[0] != kHeader) {
    return absl::DataLossError(absl::StrCat("child result line 1: expected '", kHeader, "'"));
  }
  ChildResult result;
  bool saw_observed = false, saw_oracle = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    // Values never hold a tab or a carriage return (FormatChildResult makes
    // them spaces): a line that does was not written by a child.
    if (lines[i].find('\r') != absl::string_view::npos) {
      return absl::DataLossError(absl::StrCat("child result line ", i + 1, ": carriage return"));
    }
    std::vector<absl::string_view> fields = absl::StrSplit(lines[i], '\t');
    if ((fields[0] == "observed" && saw_observed) || (fields[0] == "oracle" && saw_oracle)) {
      return absl::DataLossError(
          absl::StrCat("child result line ", i + 1, ": a second '", fields[0], "' line"));
    }
    if (fields.size() == 2 && fields[0] == "observed") {
      result.observed = std::string(fields[1]);
      saw_observed = true;
    } else if (fields.size() == 2 && fields[0] == "oracle" && fields[1] == "none") {
      saw_oracle = true;
    } else if (fields.size() == 2 && fields[0] == "oracle" && fields[1] == "held") {
      result.oracle = ChildResult::Oracle::kHeld;
      saw_oracle = true;
    } else if (fields.size() == 3 && fields[0] == "oracle" && fields[1] == "violated") {
      result.oracle = ChildResult::Oracle::kViolated;
      result.violation = std::string(fields[2]);
      saw_oracle = true;
    } else {
      return absl::DataLossError(
          absl::StrCat("child result line ", i + 1, ": unexpected '", lines[i], "'"));
    }
  }
  if (!saw_observed || !saw_oracle) {
    return absl::DataLossError("child result is truncated (no observed or oracle line)");
  }
  return result;
}

}  // namespace racelab
