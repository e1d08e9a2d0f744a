// The report formats, built from report_formats.def (see report_format.h).
#include "harness/report/report_format.h"

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

}  // namespace racelab
