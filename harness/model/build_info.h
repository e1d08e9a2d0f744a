// Facts about this build of racelab, fixed at compile time: the preset, the
// compiler, the sanitizer, the source root, and so which detectors exist.
// Pure; any thread.
#ifndef RACELAB_HARNESS_MODEL_BUILD_INFO_H_
#define RACELAB_HARNESS_MODEL_BUILD_INFO_H_

#include <string>
#include <vector>

#include "harness/model/finding.h"

namespace racelab {

struct BuildInfo {
  std::string preset;     // "tsan", "default", ... ("custom" outside presets)
  std::string compiler;   // "GNU 12.2.0"
  std::string sanitizer;  // "thread", "address", "none"
  std::string source_root;
};

const BuildInfo& ThisBuild();

// The detectors this build carries: lockorder, oracle, watchdog and crash
// always; tsan under the thread sanitizer; asan under the address sanitizer.
std::vector<Detector> ActiveDetectors();
bool IsDetectorActive(Detector detector);

}  // namespace racelab

#endif  // RACELAB_HARNESS_MODEL_BUILD_INFO_H_
