// Crashes as a detector: a child killed by a signal, a program that exited
// with another status than expected (unless a sanitizer's report explains
// it), and the last lines it printed for any crash finding. Applies to
// every run.
#ifndef RACELAB_HARNESS_DETECTORS_CRASH_DETECTOR_H_
#define RACELAB_HARNESS_DETECTORS_CRASH_DETECTOR_H_

#include "harness/detectors/detector.h"

namespace racelab {

const RunDetector& CrashDetector();

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_CRASH_DETECTOR_H_
