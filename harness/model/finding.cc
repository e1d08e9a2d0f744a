// Names of the shared vocabulary (see finding.h). The switches have no
// default so the compiler flags a new enumerator that has no name.
#include "harness/model/finding.h"

#include <cstdlib>

namespace racelab {

absl::string_view DetectorName(Detector detector) {
  switch (detector) {
#define RACELAB_DETECTOR(enumerator, name, accessor) \
  case Detector::enumerator:                         \
    return name;
#include "harness/model/detectors.def"
  }
  std::abort();
}

absl::string_view FindingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kDataRace:
      return "data-race";
    case FindingKind::kLockOrderInversion:
      return "lock-order-inversion";
    case FindingKind::kSelfDeadlock:
      return "self-deadlock";
    case FindingKind::kDeadlock:
      return "deadlock";
    case FindingKind::kHang:
      return "hang";
    case FindingKind::kMutexMisuse:
      return "mutex-misuse";
    case FindingKind::kThreadLeak:
      return "thread-leak";
    case FindingKind::kUseAfterFree:
      return "use-after-free";
    case FindingKind::kInvariant:
      return "invariant";
    case FindingKind::kCrash:
      return "crash";
    case FindingKind::kExitStatus:
      return "exit-status";
    case FindingKind::kStrayProcess:
      return "stray-process";
    case FindingKind::kTimeout:
      return "timeout";
    case FindingKind::kLivelock:
      return "livelock";
    case FindingKind::kTestFailure:
      return "test-failure";
    case FindingKind::kOther:
      return "other";
  }
  std::abort();
}

absl::string_view FindingKindDescription(FindingKind kind) {
  switch (kind) {
    case FindingKind::kDataRace:
      return "Two threads access the same memory without ordering, and at least one writes.";
    case FindingKind::kLockOrderInversion:
      return "A cycle in the lock-order graph: threads take the same locks in opposite orders, "
             "a potential deadlock whether or not this run hung.";
    case FindingKind::kSelfDeadlock:
      return "A thread asks again for a non-recursive lock it already holds.";
    case FindingKind::kDeadlock:
      return "Threads wait for each other in a cycle (locks, a condition variable's mutex, a "
             "join): found when the cycle closed, or when every thread was blocked.";
    case FindingKind::kHang:
      return "Every thread blocked, none woken for the quiet period, no wait-for cycle (a lost "
             "wakeup, a stuck join); or blocked at the timeout.";
    case FindingKind::kMutexMisuse:
      return "A mutex unlocked by a thread that does not hold it, unlocked while unlocked, or "
             "destroyed while held.";
    case FindingKind::kThreadLeak:
      return "A thread was neither joined nor detached before the program ended.";
    case FindingKind::kUseAfterFree:
      return "Memory used after it was freed.";
    case FindingKind::kInvariant:
      return "The case's own invariant failed after the run: the result shows the bug.";
    case FindingKind::kCrash:
      return "The program died by a signal or an abort.";
    case FindingKind::kExitStatus:
      return "The program exited with a status other than the one expected (0 unless "
             "--exit-code says otherwise).";
    case FindingKind::kStrayProcess:
      return "A process the program started was still running when the run ended; racelab "
             "killed it.";
    case FindingKind::kTimeout:
      return "Still running at the backstop timeout and not blocked (a thread ran recently): "
             "slow, or a livelock racelab could not name.";
    case FindingKind::kLivelock:
      return "Threads keep failing try or timed locks on locks the others hold, without ever "
             "giving theirs back.";
    case FindingKind::kTestFailure:
      return "A GoogleTest assertion failed in a run of that one test (racelab run --gtest); "
             "the message is GoogleTest's own.";
    case FindingKind::kOther:
      return "A sanitizer report racelab does not classify further.";
  }
  std::abort();
}

absl::string_view ExpectName(Expect expect) {
  switch (expect) {
    case Expect::kBug:
      return "bug";
    case Expect::kClean:
      return "clean";
  }
  std::abort();
}

absl::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kDetected:
      return "detected";
    case Verdict::kMissed:
      return "missed";
    case Verdict::kClean:
      return "clean";
    case Verdict::kFalsePositive:
      return "false-positive";
    case Verdict::kError:
      return "error";
  }
  std::abort();
}

const std::vector<Detector>& AllDetectors() {
  static const auto* const kAll = new std::vector<Detector>{
#define RACELAB_DETECTOR(enumerator, name, accessor) Detector::enumerator,
#include "harness/model/detectors.def"
  };
  return *kAll;
}

const std::vector<FindingKind>& AllFindingKinds() {
  static const auto* const kAll =
      new std::vector<FindingKind>{FindingKind::kDataRace,     FindingKind::kLockOrderInversion,
                                   FindingKind::kSelfDeadlock, FindingKind::kDeadlock,
                                   FindingKind::kHang,         FindingKind::kMutexMisuse,
                                   FindingKind::kThreadLeak,   FindingKind::kUseAfterFree,
                                   FindingKind::kInvariant,    FindingKind::kCrash,
                                   FindingKind::kExitStatus,   FindingKind::kStrayProcess,
                                   FindingKind::kTimeout,      FindingKind::kLivelock,
                                   FindingKind::kTestFailure,  FindingKind::kOther};
  return *kAll;
}

std::optional<Detector> ParseDetector(absl::string_view name) {
  for (Detector detector : AllDetectors()) {
    if (DetectorName(detector) == name) return detector;
  }
  return std::nullopt;
}

std::optional<FindingKind> ParseFindingKind(absl::string_view name) {
  for (FindingKind kind : AllFindingKinds()) {
    if (FindingKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

}  // namespace racelab
