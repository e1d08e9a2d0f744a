// Live progress line (see progress_line.h).
#include "harness/report/progress_line.h"

#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace racelab {
namespace {

std::string Short(absl::Duration duration) {
  const int64_t seconds = absl::ToInt64Seconds(duration);
  if (seconds < 60) return absl::StrCat(seconds, "s");
  return absl::StrCat(seconds / 60, "m", absl::StrFormat("%02d", seconds % 60), "s");
}

}  // namespace

bool IsInteractive(std::FILE* stream) {
  const char* ci = std::getenv("CI");
  if (ci != nullptr && *ci != '\0' && std::string(ci) != "false" && std::string(ci) != "0") {
    return false;
  }
  if (std::getenv("NO_COLOR") != nullptr) return false;
  return ::isatty(::fileno(stream)) == 1;
}

std::string ProgressText(int index, int total, const std::string& case_id, absl::Duration elapsed) {
  std::string text =
      absl::StrCat("[", index + 1, "/", total, "] ", case_id, "  ", Short(elapsed), " elapsed");
  if (index > 0) {
    const absl::Duration per_case = elapsed / index;
    absl::StrAppend(&text, ", ETA ", Short(per_case * (total - index)));
  }
  return text;
}

void ProgressLine::Show(int index, int total, const std::string& case_id, absl::Duration elapsed) {
  if (!enabled_) return;
  // \r to the line start, the text, then erase whatever a longer line left.
  std::fprintf(stderr, "\r%s\033[K", ProgressText(index, total, case_id, elapsed).c_str());
  std::fflush(stderr);
  shown_ = true;
}

void ProgressLine::Clear() {
  if (!shown_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace racelab
