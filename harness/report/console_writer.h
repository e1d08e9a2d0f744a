// The console report: one table row per case (case, expect, findings by
// detector, verdict, time), the findings with their sites, and the closing
// line "N passed, N failed" (passed = as expected). Rendering only.
#ifndef RACELAB_HARNESS_REPORT_CONSOLE_WRITER_H_
#define RACELAB_HARNESS_REPORT_CONSOLE_WRITER_H_

#include <string>

#include "harness/report/report.h"

namespace racelab {

struct ConsoleStyle {
  bool colour = false;  // ANSI colours for verdicts and the closing line
};

// The whole console report as text.
std::string FormatConsoleReport(const Report& report, ConsoleStyle style = {});

// "tsan: data-race x3; oracle: invariant x2", or "-" when there are none.
std::string FindingsByDetector(const CaseResult& result);

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_CONSOLE_WRITER_H_
