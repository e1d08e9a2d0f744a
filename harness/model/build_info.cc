// Compile-time facts of this build (see build_info.h). The RACELAB_BUILD_*
// macros come from harness/CMakeLists.txt.
#include "harness/model/build_info.h"

namespace racelab {

const BuildInfo& ThisBuild() {
  static const auto* const kInfo =
      new BuildInfo{RACELAB_BUILD_PRESET, RACELAB_BUILD_COMPILER, RACELAB_BUILD_SANITIZER,
                    RACELAB_BUILD_SOURCE_ROOT};
  return *kInfo;
}

}  // namespace racelab
