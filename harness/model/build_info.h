// Facts about this build of racelab, fixed at compile time: the preset, the
// compiler, the sanitizer, the source root (which detectors that makes:
// harness/detectors/detector.h). Pure; any thread.
#ifndef RACELAB_HARNESS_MODEL_BUILD_INFO_H_
#define RACELAB_HARNESS_MODEL_BUILD_INFO_H_

#include <string>

namespace racelab {

struct BuildInfo {
  std::string preset;     // "tsan", "default", ... ("custom" outside presets)
  std::string compiler;   // "GNU 12.2.0"
  std::string sanitizer;  // "thread", "address", "none"
  std::string source_root;
};

const BuildInfo& ThisBuild();

}  // namespace racelab

#endif  // RACELAB_HARNESS_MODEL_BUILD_INFO_H_
