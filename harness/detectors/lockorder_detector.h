// racelab's lock-order checker as a detector: the record file prefix in
// every run's environment (and the preload library in a program's), and
// the records the run's processes wrote become findings
// (lockorder_findings.h). Applies to every catalog case, and to a program
// the preload library reaches.
#ifndef RACELAB_HARNESS_DETECTORS_LOCKORDER_DETECTOR_H_
#define RACELAB_HARNESS_DETECTORS_LOCKORDER_DETECTOR_H_

#include "harness/detectors/detector.h"

namespace racelab {

const RunDetector& LockorderDetector();

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_LOCKORDER_DETECTOR_H_
