// The file a case child writes when its body and oracle have finished, and
// the parser the runner reads it with. A child killed mid-run leaves no file,
// which the runner reads as "did not finish". Format (version 1), one
// tab-separated record per line, newlines in values replaced by spaces:
//   racelab-child-result/1
//   observed	<summary>
//   oracle	none | held | violated	[message]
#ifndef RACELAB_HARNESS_CATALOG_CHILD_RESULT_H_
#define RACELAB_HARNESS_CATALOG_CHILD_RESULT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace racelab {

struct ChildResult {
  enum class Oracle { kNone, kHeld, kViolated };
  std::string observed;
  Oracle oracle = Oracle::kNone;
  std::string violation;  // what the oracle saw, when violated
};

std::string FormatChildResult(const ChildResult& result);

// Returns DataLoss for a truncated or foreign file, naming the line.
absl::StatusOr<ChildResult> ParseChildResult(absl::string_view text);

}  // namespace racelab

#endif  // RACELAB_HARNESS_CATALOG_CHILD_RESULT_H_
