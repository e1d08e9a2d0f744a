// The HTML report (`racelab run --html FILE`): one self-contained page (inline
// CSS, inline SVG, no script, no external resource) with the summary, a row
// per case with its verdict, each finding with its sites and the source
// lines around them, its evidence (gdb stacks, last output), the lock-order
// graph of the case's first run drawn as SVG, and for each case the
// histogram of observed outcomes across its runs. Rendering only: values
// come from the Report; source lines are read from the report's
// locations_root; drawing is delegated to `dot_to_svg`.
#ifndef RACELAB_HARNESS_REPORT_HTML_WRITER_H_
#define RACELAB_HARNESS_REPORT_HTML_WRITER_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "harness/report/report.h"

namespace racelab {

struct HtmlOptions {
  // Turns a DOT graph into SVG markup (graphviz's `dot -Tsvg`). Unset, or
  // failing, the graph is shown as its DOT text with the reason.
  std::function<absl::StatusOr<std::string>(const std::string& dot)> dot_to_svg;
};

// The report as one HTML document.
std::string FormatHtmlReport(const Report& report, const HtmlOptions& options);

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_HTML_WRITER_H_
