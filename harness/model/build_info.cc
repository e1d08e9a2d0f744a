// Compile-time facts of this build (see build_info.h). The RACELAB_BUILD_*
// macros come from harness/CMakeLists.txt.
#include "harness/model/build_info.h"

#include <algorithm>
#include "absl/strings/string_view.h"

namespace racelab {

const BuildInfo& ThisBuild() {
  static const auto* const kInfo = new BuildInfo{
      RACELAB_BUILD_PRESET, RACELAB_BUILD_COMPILER, RACELAB_BUILD_SANITIZER,
      RACELAB_BUILD_SOURCE_ROOT};
  return *kInfo;
}

std::vector<Detector> ActiveDetectors() {
  std::vector<Detector> active;
  const absl::string_view sanitizer = RACELAB_BUILD_SANITIZER;
  if (sanitizer == "thread") active.push_back(Detector::kTsan);
  if (sanitizer == "address") active.push_back(Detector::kAsan);
  active.push_back(Detector::kLockorder);
  active.push_back(Detector::kWatchdog);
  active.push_back(Detector::kOracle);
  active.push_back(Detector::kCrash);
  return active;
}

bool IsDetectorActive(Detector detector) {
  const std::vector<Detector> active = ActiveDetectors();
  return std::find(active.begin(), active.end(), detector) != active.end();
}

}  // namespace racelab
