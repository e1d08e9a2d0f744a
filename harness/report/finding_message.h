// The one line a finding says, in every report (console, JSON's "message",
// JUnit, SARIF, HTML): its evidence (harness/model/evidence.h) put into
// words. "lock-order inversion M0 -> M1 -> M0: T1 holds M0 (a.cc:30) and
// requests M1 (a.cc:32); ...", "ThreadSanitizer: data race at a.cc:23 in
// Increment (threads T2, T4)". The only place a finding becomes prose.
// Pure; any thread.
#ifndef RACELAB_HARNESS_REPORT_FINDING_MESSAGE_H_
#define RACELAB_HARNESS_REPORT_FINDING_MESSAGE_H_

#include <string>
#include <vector>

#include "harness/model/detector_note.h"
#include "harness/model/evidence.h"
#include "harness/model/location.h"

namespace racelab {

// `locations` are the finding's sites (a sanitizer's line names the first).
std::string FindingMessage(const Evidence& evidence, const std::vector<Location>& locations);

// What a detector that cannot see the program makes the user miss: "tsan
// cannot see this program (not built with -fsanitize=thread): data races
// are invisible to this build; rebuild it with -fsanitize=thread".
std::string DetectorNoteMessage(const DetectorNote& note);

// A Finding or a ReportedFinding.
template <typename AFinding>
std::string FindingMessage(const AFinding& finding) {
  return FindingMessage(finding.evidence, finding.locations);
}

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_FINDING_MESSAGE_H_
