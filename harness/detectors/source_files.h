// Where a stack frame's source file lives, for every detector that picks
// the frame to show: the toolchain's (system headers, the sanitizer
// runtimes, unknown) or the project's, and the path users see (relative to
// the project root when inside it).
#ifndef RACELAB_HARNESS_DETECTORS_SOURCE_FILES_H_
#define RACELAB_HARNESS_DETECTORS_SOURCE_FILES_H_

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace racelab {

// True for a file no user wrote: unknown ("", "??" from addr2line), system
// headers and libraries, and the sanitizer runtimes' sources.
inline bool IsToolchainFile(absl::string_view file) {
  return file.empty() || file == "??" || absl::StartsWith(file, "/usr/") ||
         absl::StartsWith(file, "../") || absl::StrContains(file, "libsanitizer") ||
         absl::StrContains(file, "compiler-rt");
}

// `project_root` with exactly one trailing slash, for prefix tests.
inline std::string RootPrefix(absl::string_view project_root) {
  return absl::StrCat(absl::StripSuffix(project_root, "/"), "/");
}

// `file` relative to the project root when it lies inside it, else as is.
inline std::string ProjectRelative(absl::string_view file, absl::string_view project_root) {
  return std::string(absl::StripPrefix(file, RootPrefix(project_root)));
}

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_SOURCE_FILES_H_
