// ThreadSanitizer as a detector: its options send its reports into the run's
// scratch directory (with an exit code of our own), and its reports become
// findings (tsan_report_parser.h). Applies to a build with -fsanitize=thread.
#ifndef RACELAB_HARNESS_DETECTORS_TSAN_DETECTOR_H_
#define RACELAB_HARNESS_DETECTORS_TSAN_DETECTOR_H_

#include "harness/detectors/detector.h"

namespace racelab {

const RunDetector& TsanDetector();

// ThreadSanitizer exits with this code when it reported anything; set
// explicitly so a user's TSAN_OPTIONS cannot change what we read.
inline constexpr int kTsanExitCode = 66;

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_TSAN_DETECTOR_H_
