// A catalog case's own oracle as a detector: the result file its child
// writes (what it observed, whether its invariant held) becomes the run's
// observation and, when violated, an invariant finding; a case that ended
// without a result, or with one and a bad exit status, is an error.
// Applies to catalog cases only.
#ifndef RACELAB_HARNESS_DETECTORS_ORACLE_DETECTOR_H_
#define RACELAB_HARNESS_DETECTORS_ORACLE_DETECTOR_H_

#include "harness/detectors/detector.h"

namespace racelab {

const RunDetector& OracleDetector();

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_ORACLE_DETECTOR_H_
