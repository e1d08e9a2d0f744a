// The watchdog as a detector: the run is judged by its state while it
// goes on (watchdog.h: every thread blocked for the quiet period ends it),
// and before it is killed, every thread's stack (gdb, programs) and every
// process's wait-for dump are taken. A run that hung, timed out or left
// processes behind gets its finding here, explained by the dumps. Applies
// to every run.
#ifndef RACELAB_HARNESS_DETECTORS_WATCHDOG_DETECTOR_H_
#define RACELAB_HARNESS_DETECTORS_WATCHDOG_DETECTOR_H_

#include <string>

#include "absl/strings/string_view.h"
#include "harness/detectors/detector.h"

namespace racelab {

const RunDetector& WatchdogDetector();

// Every thread's stack out of gdb's `thread apply all bt` output: only the
// "Thread ..." headers (a blank line before each but the first) and the
// "#N ..." frame lines, at most 400 lines; "" when there are none. Pure.
std::string StackLines(absl::string_view gdb_output);

// How many lock-order record files in `scratch_dir` end a wait dump.
int CompleteWaitDumps(const std::string& scratch_dir);

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_WATCHDOG_DETECTOR_H_
