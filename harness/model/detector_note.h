// A detector that cannot see a program, as data: why not, what the user
// cannot learn from this run because of it, and what to change. Made by
// the detectors (Applicability), printed by the writers before the table.
// Data only.
#ifndef RACELAB_HARNESS_MODEL_DETECTOR_NOTE_H_
#define RACELAB_HARNESS_MODEL_DETECTOR_NOTE_H_

#include <string>

#include "harness/model/finding.h"

namespace racelab {

struct DetectorNote {
  Detector detector = Detector::kTsan;
  std::string why;        // "not built with -fsanitize=thread"
  std::string invisible;  // "data races are invisible to this build"
  std::string remedy;     // "rebuild it with -fsanitize=thread"
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_MODEL_DETECTOR_NOTE_H_
