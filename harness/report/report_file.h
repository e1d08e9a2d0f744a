// Writing a report to the path a user named, without harming what is there.
// A regular file (or a path that does not exist yet) is replaced atomically:
// the content goes to a temporary file in the same directory, renamed over
// the target, so readers never see half a report. A symbolic link is
// followed and its target written that way; the link stays. Anything else
// that exists (a character device such as /dev/null, a FIFO, a socket,
// /dev/fd/N, a process substitution) is opened and written through: never
// unlinked, renamed over or created. "-" is standard output.
// Any thread; concurrent writers to one path: last rename wins.
#ifndef RACELAB_HARNESS_REPORT_REPORT_FILE_H_
#define RACELAB_HARNESS_REPORT_REPORT_FILE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace racelab {

// The path meaning standard output.
inline constexpr char kStandardOutputPath[] = "-";

// Writes `content` to `path` as described above. Creates missing parent
// directories of a new file. Returns Unavailable naming the path and the
// reason (a directory, a full device, no permission) when it cannot be
// written; a regular target is then untouched.
absl::Status WriteReportFile(const std::string& path, absl::string_view content);

// What `path` would write to, for telling two report paths apart: the device
// and inode of an existing target (links followed; "-" is standard output's),
// else the lexically normal absolute path. Two paths with one identity name
// the same file.
std::string ReportTargetIdentity(const std::string& path);

// InvalidArgument naming the two flags when two of `flags_and_paths` (flag,
// path; empty paths skipped) name the same file.
absl::Status CheckDistinctReportPaths(
    const std::vector<std::pair<std::string, std::string>>& flags_and_paths);

// True when `path` is written through rather than replaced (it exists and,
// links followed, is not a regular file), or is "-". A caller that would
// write a companion file beside a report (an SVG beside a DOT graph) skips
// it then.
bool IsWrittenThrough(const std::string& path);

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_REPORT_FILE_H_
