// A GoogleTest test's own assertions as a detector (`racelab run --gtest`,
// one test per run): the run writes GoogleTest's JSON result into its
// scratch directory, and each failed assertion becomes a test-failure
// finding at its file:line. The run's observation is the test's outcome:
// "passed", "failed", "skipped", or "did not finish" (a crash, a hang), so
// that the outcome counts show a flaky test. Applies to per-test runs only.
#ifndef RACELAB_HARNESS_DETECTORS_GTEST_DETECTOR_H_
#define RACELAB_HARNESS_DETECTORS_GTEST_DETECTOR_H_

#include "harness/detectors/detector.h"

namespace racelab {

const RunDetector& GtestDetector();

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_GTEST_DETECTOR_H_
