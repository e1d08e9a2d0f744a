// Where a stack frame's source file lives, for every detector that picks
// the frame to show: the toolchain's (system headers, the sanitizer
// runtimes, unknown), racelab's own lock hooks, or the project's; the path
// users see (relative to the project root when inside it); and the one rule
// that picks a finding's frame out of a stack (UserFramePicker).
#ifndef RACELAB_HARNESS_DETECTORS_SOURCE_FILES_H_
#define RACELAB_HARNESS_DETECTORS_SOURCE_FILES_H_

#include <cstddef>
#include <optional>
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

// True for racelab's lock-order hooks and checker (harness/lockorder/),
// which sit between the user's call and the real lock, whether linked into
// a case binary or preloaded into someone else's program (whose project
// root is not racelab's): never the user's line.
inline bool IsRacelabHookFile(absl::string_view file) {
  return absl::StartsWith(file, "harness/lockorder/") ||
         absl::StrContains(file, "/harness/lockorder/");
}

// Picks the frame a finding points at, offered a stack innermost first:
// the first frame in the project's own code, else the first that is not
// the toolchain's; racelab's hooks are never it.
class UserFramePicker {
 public:
  explicit UserFramePicker(absl::string_view project_root) : root_(RootPrefix(project_root)) {}

  // Offers frame `index` of the stack, whose source file is `file`. True
  // once a project frame is chosen: later frames cannot change the pick.
  bool Offer(absl::string_view file, std::size_t index) {
    if (project_) return true;
    if (IsRacelabHookFile(file)) return false;
    if (InProject(file)) {
      project_ = index;
      return true;
    }
    if (!fallback_ && !IsToolchainFile(file)) fallback_ = index;
    return false;
  }
  // The index picked so far; nullopt when no frame qualifies.
  std::optional<std::size_t> chosen() const { return project_ ? project_ : fallback_; }
  // Whether the pick is a project frame (not the fallback).
  bool is_project() const { return project_.has_value(); }
  // Whether `file` is under the project root.
  bool InProject(absl::string_view file) const {
    return root_.size() > 1 && absl::StartsWith(file, root_);
  }

 private:
  const std::string root_;
  std::optional<std::size_t> project_, fallback_;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_SOURCE_FILES_H_
