// The JSON report (schema "racelab-report/1", shared/DESIGN.md). Rendering
// only: every value comes from the Report; nothing is decided here.
#ifndef RACELAB_HARNESS_REPORT_JSON_WRITER_H_
#define RACELAB_HARNESS_REPORT_JSON_WRITER_H_

#include <string>

#include "harness/report/report.h"
#include "harness/report/report_format.h"

namespace racelab {

inline constexpr char kJsonReportSchema[] = "racelab-report/1";

// The report as pretty-printed JSON text, ending in a newline.
std::string FormatJsonReport(const Report& report, const WriterOptions& options = {});

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_JSON_WRITER_H_
