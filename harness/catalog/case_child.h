// The child side of a run: executes one case's body and oracle inside the
// process the runner spawned, and writes the result file. Called from the
// `racelab` binary's hidden `__child` command on the main thread.
#ifndef RACELAB_HARNESS_CATALOG_CASE_CHILD_H_
#define RACELAB_HARNESS_CATALOG_CASE_CHILD_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "harness/catalog/registry.h"

namespace racelab {

// Runs case `id` once and writes a ChildResult to `result_path`. Returns
// NotFound for an unknown id and an I/O error when the file cannot be
// written; the case's own bugs show up as findings, not as a status.
absl::Status RunCaseInChild(const CaseRegistry& registry, absl::string_view id,
                            const std::string& result_path);

}  // namespace racelab

#endif  // RACELAB_HARNESS_CATALOG_CASE_CHILD_H_
