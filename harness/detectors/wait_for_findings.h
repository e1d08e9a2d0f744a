// The watchdog's diagnosis from the lock-order checker's wait-for dump
// (detector watchdog): a `deadlock` naming the threads, locks and sites of a
// wait-for cycle among the dumped waits, or a `hang` listing each blocked
// thread and what it waits on. Evidence only (LockCycle, StuckRun); the
// report puts it into words. No printing; call from one thread.
#ifndef RACELAB_HARNESS_DETECTORS_WAIT_FOR_FINDINGS_H_
#define RACELAB_HARNESS_DETECTORS_WAIT_FOR_FINDINGS_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "harness/detectors/symbolizer.h"
#include "harness/lockorder/record_file.h"
#include "harness/model/finding.h"

namespace racelab {

// The diagnosis; nullopt when the recording has no complete dump. `why`
// says what ended the run, for the message ("every thread blocked for
// 200ms", "no progress within 5s").
std::optional<Finding> WaitForFinding(const lockorder::Recording& recording,
                                      absl::string_view project_root, Symbolizer& symbolizer,
                                      absl::string_view why);

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_WAIT_FOR_FINDINGS_H_
