// ThreadSanitizer output → findings. Reads the text TSan writes (to stderr or
// to log_path files), splits it into reports, classifies each by its title
// and extracts, for each stack, the first frame in project code. Pure
// functions; safe from any thread. Never prints, never fails: text that is
// not a report is skipped, and a report cut short by a killed process still
// yields the finding its title names.
#ifndef RACELAB_HARNESS_DETECTORS_TSAN_REPORT_PARSER_H_
#define RACELAB_HARNESS_DETECTORS_TSAN_REPORT_PARSER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "harness/model/finding.h"

namespace racelab {

// One "#N function file:line[:col] (module+0xoffset)" line.
struct StackFrame {
  std::string function;  // may contain spaces; "<null>" when unknown
  std::string file;      // absolute as TSan printed it; empty when unknown
  int line = 0;
  std::string module;  // "libtsan.so.2", "racelab", ...
};

// Parses one frame line; nullopt when the line is not a frame.
std::optional<StackFrame> ParseStackFrame(absl::string_view line);

// The finding kind a TSan report title maps to ("data race" → data-race,
// "unlock of an unlocked mutex (or by a wrong thread)" → mutex-misuse, ...);
// kOther for a title racelab does not classify.
FindingKind TsanTitleKind(absl::string_view title);

// Every report in `text`, in order, as one Finding each (detector tsan, or
// detector crash for a TSan deadly-signal report). Locations are the first
// frame under `project_root` of each access / lock stack (not thread-creation
// stacks), with files made relative to `project_root`; when a stack has no
// project frame, its first frame with a source file outside the toolchain.
std::vector<Finding> ParseTsanOutput(absl::string_view text, absl::string_view project_root);

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_TSAN_REPORT_PARSER_H_
