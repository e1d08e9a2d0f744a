// The console report: one table row per case (case, expect, findings by
// detector, verdict, time), the findings with their sites, and the closing
// line "N passed, N failed" (passed = as expected). Rendering only.
#ifndef RACELAB_HARNESS_REPORT_CONSOLE_WRITER_H_
#define RACELAB_HARNESS_REPORT_CONSOLE_WRITER_H_

#include <string>

#include "harness/report/report.h"

namespace racelab {

// The whole console report as text.
std::string FormatConsoleReport(const Report& report);

// "tsan: data-race x3; oracle: invariant x2", or "-" when there are none.
std::string FindingsByDetector(const CaseResult& result);

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_CONSOLE_WRITER_H_
