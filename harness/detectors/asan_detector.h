// AddressSanitizer and UBSan as a detector: their options send their
// reports into the run's scratch directory, and the reports become findings
// (asan_report_parser.h). Applies to a build with -fsanitize=address.
#ifndef RACELAB_HARNESS_DETECTORS_ASAN_DETECTOR_H_
#define RACELAB_HARNESS_DETECTORS_ASAN_DETECTOR_H_

#include "harness/detectors/detector.h"

namespace racelab {

const RunDetector& AsanDetector();

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_ASAN_DETECTOR_H_
