// Reports of one session's shards joined into one (`racelab merge`): the
// cases of every shard back in the session's order, each case's runs,
// findings, outcomes and seeds added up, and its verdict graded again from
// the sums, so that the merged report says what one process running every
// shard's part would have said. Pure; any thread.
#ifndef RACELAB_HARNESS_REPORT_MERGE_H_
#define RACELAB_HARNESS_REPORT_MERGE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/report/report.h"

namespace racelab {

// A report and the file it came from (for errors that name it).
struct NamedReport {
  std::string name;
  Report report;
};

// The merged report. FailedPrecondition names two reports that cannot be
// parts of one session: different builds, different programs, different
// shard counts, or the same shard twice. Shards that are missing make the
// merged report incomplete, saying which.
absl::StatusOr<Report> MergeReports(const std::vector<NamedReport>& reports);

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_MERGE_H_
