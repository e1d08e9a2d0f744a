// The live progress line `racelab run` shows on a terminal while cases run:
// "[3/55] counter/racy  12s elapsed, ETA 3m10s", redrawn in place on stderr
// and erased when the run ends. Silent when stderr is not a terminal or CI
// is set (CI=true), so logs stay plain. One thread.
#ifndef RACELAB_HARNESS_REPORT_PROGRESS_LINE_H_
#define RACELAB_HARNESS_REPORT_PROGRESS_LINE_H_

#include <cstdio>
#include <string>

#include "absl/time/time.h"

namespace racelab {

// True when output to `stream` should be decorated (colour, a live line):
// it is a terminal, CI is not set to true, and NO_COLOR is not set.
bool IsInteractive(std::FILE* stream);

// The line for case `index` (0-based) of `total`, starting `elapsed` after
// the run began; the ETA assumes the cases left take as long on average as
// the ones done.
std::string ProgressText(int index, int total, const std::string& case_id, absl::Duration elapsed);

class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() { Clear(); }

  // Case `index` of `total` starts now.
  void Show(int index, int total, const std::string& case_id, absl::Duration elapsed);
  // Erases the line.
  void Clear();

 private:
  bool enabled_;
  bool shown_ = false;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_PROGRESS_LINE_H_
