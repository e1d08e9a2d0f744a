// The SARIF 2.1.0 report (`racelab run --sarif FILE`), for code-scanning
// viewers: one rule per finding kind, one result per finding with its
// physical locations (files relative to the source root, through the
// SRCROOT base id; others as absolute file: URIs) so that a viewer shows
// it on the line. Findings a racy variant is there to produce (or that
// `--expect bug` asked for) carry an external suppression saying so; cases
// the harness could not run, and an interrupted run, are tool execution
// notifications. Rendering only: every value comes from the Report.
#ifndef RACELAB_HARNESS_REPORT_SARIF_WRITER_H_
#define RACELAB_HARNESS_REPORT_SARIF_WRITER_H_

#include <string>

#include "harness/report/report.h"
#include "harness/report/report_format.h"

namespace racelab {

// The report as a SARIF 2.1.0 log (JSON), ending in a newline.
std::string FormatSarifReport(const Report& report, const WriterOptions& options = {});

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_SARIF_WRITER_H_
