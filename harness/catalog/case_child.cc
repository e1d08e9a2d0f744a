// Child side of a run (see case_child.h).
#include "harness/catalog/case_child.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "harness/catalog/child_result.h"

namespace racelab {

absl::Status RunCaseInChild(const CaseRegistry& registry, absl::string_view id,
                            const std::string& result_path) {
  absl::StatusOr<const CaseSpec*> spec = registry.Find(id);
  if (!spec.ok()) return spec.status();

  const Observation observation = (*spec)->body();
  ChildResult result;
  result.observed = observation.summary;
  if ((*spec)->oracle) {
    const absl::Status invariant = (*spec)->oracle(observation);
    result.oracle = invariant.ok() ? ChildResult::Oracle::kHeld : ChildResult::Oracle::kViolated;
    result.violation = std::string(invariant.message());
  }

  // Written to a temporary name and renamed, so the runner never reads half.
  const std::string partial = result_path + ".partial";
  {
    std::ofstream out(partial, std::ios::trunc);
    out << FormatChildResult(result);
    if (!out.flush()) {
      return absl::UnavailableError(absl::StrCat("cannot write ", partial));
    }
  }
  if (std::rename(partial.c_str(), result_path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot rename ", partial, " to ", result_path));
  }
  return absl::OkStatus();
}

}  // namespace racelab
