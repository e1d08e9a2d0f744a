// The report formats, built from report_formats.def (see report_format.h).
#include "harness/report/report_format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/report/report_file.h"

namespace racelab {

// Each writer, declared from the list; defined in its own file.
#define RACELAB_REPORT_FORMAT(name, help, writer) \
  std::string writer(const Report& report, const WriterOptions& options);
#include "harness/report/report_formats.def"

const std::vector<ReportFormat>& ReportFormats() {
  static const auto* const kFormats = new std::vector<ReportFormat>{
#define RACELAB_REPORT_FORMAT(name, help, writer) {name, help, &writer},
#include "harness/report/report_formats.def"
  };
  return *kFormats;
}

absl::Status WriteReports(const Report& report, const std::map<std::string, std::string>& paths,
                          const WriterOptions& options) {
  std::vector<std::string> unwritten;
  for (const ReportFormat& format : ReportFormats()) {
    const auto path = paths.find(std::string(format.name));
    if (path == paths.end()) continue;
    if (absl::Status written = WriteReportFile(path->second, format.writer(report, options));
        !written.ok()) {
      unwritten.emplace_back(written.message());
    }
  }
  if (unwritten.empty()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrJoin(unwritten, "; "));
}

std::vector<std::pair<std::string, std::string>> ReportFlagsAndPaths(
    const std::map<std::string, std::string>& paths) {
  std::vector<std::pair<std::string, std::string>> flags_and_paths;
  for (const ReportFormat& format : ReportFormats()) {
    const auto path = paths.find(std::string(format.name));
    if (path != paths.end())
      flags_and_paths.emplace_back(absl::StrCat("--", format.name), path->second);
  }
  return flags_and_paths;
}

}  // namespace racelab
