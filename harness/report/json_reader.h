// A JSON report (schema "racelab-report/1", as json_writer.h writes it) read
// back into the report model, for `racelab merge`. What JSON does not keep
// stays empty: each finding's evidence is its written message
// (WrittenMessage), and lock-order graphs are not read. Pure; any thread.
#ifndef RACELAB_HARNESS_REPORT_JSON_READER_H_
#define RACELAB_HARNESS_REPORT_JSON_READER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "harness/report/report.h"

namespace racelab {

// The report `text` holds. InvalidArgument names what does not fit the
// schema ("results[3].runs is not a whole number").
absl::StatusOr<Report> ParseJsonReport(absl::string_view text);

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_JSON_READER_H_
