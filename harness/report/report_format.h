// The report formats `racelab run` writes, as data: each has a name (its
// flag is `--name FILE`), a line of help, and a writer that turns a Report
// into the file's text. The list is harness/report/report_formats.def; the
// command line, the help text and the writing loop are all built from it,
// so a new format is its writer's files plus one line there.
// Rendering only: writers start no process (graphs are drawn through
// WriterOptions::dot_to_svg, which the caller supplies).
#ifndef RACELAB_HARNESS_REPORT_REPORT_FORMAT_H_
#define RACELAB_HARNESS_REPORT_REPORT_FORMAT_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "harness/report/report.h"

namespace racelab {

// What a writer may be handed beyond the report.
struct WriterOptions {
  // Turns a DOT graph into SVG markup (graphviz's `dot -Tsvg`). Unset, or
  // failing, a graph is shown as its DOT text with the reason.
  std::function<absl::StatusOr<std::string>(const std::string& dot)> dot_to_svg;
};

using ReportWriter = std::string (*)(const Report& report, const WriterOptions& options);

struct ReportFormat {
  absl::string_view name;  // "json": the flag `--json FILE`
  absl::string_view help;  // its line in `racelab --help`
  ReportWriter writer;
};

// Every format, in report_formats.def order (the order reports are written).
const std::vector<ReportFormat>& ReportFormats();

// Writes `report` in every format `paths` names (format name → file, see
// WriteReportFile), in list order. Every report is attempted: one that
// cannot be written does not cost the others; the error names each.
absl::Status WriteReports(const Report& report, const std::map<std::string, std::string>& paths,
                          const WriterOptions& options);

// The flags and paths of the reports `paths` names, in list order:
// {"--json", "out/r.json"}, ... (for CheckDistinctReportPaths).
std::vector<std::pair<std::string, std::string>> ReportFlagsAndPaths(
    const std::map<std::string, std::string>& paths);

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_REPORT_FORMAT_H_
