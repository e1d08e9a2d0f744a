// The vocabulary every racelab library shares: detectors, finding kinds,
// expectations and verdicts (names fixed by shared/DESIGN.md), and the
// Finding record a detector produces. Data only; no logic beyond naming.
// All functions are pure and may be called from any thread.
#ifndef RACELAB_HARNESS_MODEL_FINDING_H_
#define RACELAB_HARNESS_MODEL_FINDING_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "harness/model/evidence.h"
#include "harness/model/location.h"

namespace racelab {

// What produced a finding: one enumerator per line of detectors.def.
enum class Detector {
#define RACELAB_DETECTOR(enumerator, name, accessor) enumerator,
#include "harness/model/detectors.def"
};

enum class FindingKind {
  kDataRace,
  kLockOrderInversion,
  kSelfDeadlock,
  kDeadlock,
  kHang,
  kMutexMisuse,
  kThreadLeak,
  kUseAfterFree,
  kInvariant,
  kCrash,
  kExitStatus,    // the program ended with an exit status it was not expected to
  kStrayProcess,  // a process the program started outlived it and was killed
  kTimeout,       // still running (not blocked) at the backstop timeout: slow or livelocked
  kLivelock,      // threads keep failing try/timed locks on each other's locks
  kTestFailure,   // a GoogleTest assertion failed in a per-test run (--gtest)
  kOther,         // a sanitizer report racelab does not classify; message says which
};

// `bug` for a racy variant, `clean` for a correct one.
enum class Expect { kBug, kClean };

enum class Verdict { kDetected, kMissed, kClean, kFalsePositive, kError };

// DESIGN.md spellings: "tsan", "data-race", "bug", "false-positive", ...
absl::string_view DetectorName(Detector detector);
absl::string_view FindingKindName(FindingKind kind);
absl::string_view ExpectName(Expect expect);
absl::string_view VerdictName(Verdict verdict);

// One sentence saying what a finding of `kind` means (shared/DESIGN.md).
absl::string_view FindingKindDescription(FindingKind kind);

// Inverse of the names above; nullopt for an unknown spelling.
std::optional<Detector> ParseDetector(absl::string_view name);
std::optional<FindingKind> ParseFindingKind(absl::string_view name);

// Every enumerator, in declaration order (for listings and tests).
const std::vector<Detector>& AllDetectors();
const std::vector<FindingKind>& AllFindingKinds();

// One thing a detector saw in one run: data (the report words it, see
// harness/report/finding_message.h).
struct Finding {
  Detector detector = Detector::kCrash;
  FindingKind kind = FindingKind::kOther;
  Evidence evidence;                // what was seen
  std::vector<Location> locations;  // most relevant first; may be empty
  // Multi-line evidence beyond the locations, as text: every thread's stack
  // (gdb) for a hang, the last lines printed before a crash. May be empty.
  std::string details;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_MODEL_FINDING_H_
