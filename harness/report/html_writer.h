// The HTML report (`racelab run --html FILE`): one self-contained page (inline
// CSS, inline SVG, no script, no external resource) with the summary, a row
// per case with its verdict, each finding with its sites and the source
// lines around them, its evidence (gdb stacks, last output), the lock-order
// graph of the case's first run drawn as SVG, and for each case the
// histogram of observed outcomes across its runs. Rendering only: values
// come from the Report; source lines are read from the report's
// locations_root; drawing is delegated to WriterOptions::dot_to_svg.
#ifndef RACELAB_HARNESS_REPORT_HTML_WRITER_H_
#define RACELAB_HARNESS_REPORT_HTML_WRITER_H_

#include <string>

#include "harness/report/report.h"
#include "harness/report/report_format.h"

namespace racelab {

// The report as one HTML document.
std::string FormatHtmlReport(const Report& report, const WriterOptions& options = {});

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_HTML_WRITER_H_
