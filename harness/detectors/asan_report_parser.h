// AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer output →
// findings (detector `asan`, the asan preset). Reads the text the
// sanitizers write (to stderr or to log_path files), one finding per
// report: "ERROR: AddressSanitizer: heap-use-after-free" is use-after-free,
// other ASan and LSan reports and UBSan's "runtime error:" lines are
// `other` with the sanitizer's own words as the evidence's title. Locations: the
// first frame of the report's first stack under `project_root` (relative),
// else its first frame with a source file outside the toolchain; for UBSan
// the file:line the runtime error names. Pure; never fails: text that is
// not a report is skipped.
#ifndef RACELAB_HARNESS_DETECTORS_ASAN_REPORT_PARSER_H_
#define RACELAB_HARNESS_DETECTORS_ASAN_REPORT_PARSER_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "harness/model/finding.h"

namespace racelab {

std::vector<Finding> ParseAsanOutput(absl::string_view text, absl::string_view project_root);

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_ASAN_REPORT_PARSER_H_
