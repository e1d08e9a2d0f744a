// A source position in a stack, as far as it could be resolved: the unit
// every finding's sites are made of. Data only.
#ifndef RACELAB_HARNESS_MODEL_LOCATION_H_
#define RACELAB_HARNESS_MODEL_LOCATION_H_

#include <string>

namespace racelab {

// One source position in a stack, as far as it could be resolved.
struct Location {
  std::string file;      // relative to the source root when inside it
  int line = 0;          // 0 when unknown
  std::string function;  // may be empty
  std::string thread;    // "T1", "main", ...; may be empty
  std::string role;      // what this stack is: "write", "previous read", "mutex", ...
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_MODEL_LOCATION_H_
