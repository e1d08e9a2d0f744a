// What a finding is made of, as data: the threads, locks, sites and states
// a detector saw, never a sentence. harness/report/finding_message.h turns
// evidence into the one line every report shows; the detectors only fill
// these records. Names of locks ("M3") and threads ("T2", "main") are the
// ones the sites carry. Data only.
#ifndef RACELAB_HARNESS_MODEL_EVIDENCE_H_
#define RACELAB_HARNESS_MODEL_EVIDENCE_H_

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "harness/model/location.h"

namespace racelab {

// A sanitizer's report: "ThreadSanitizer" and "data race", with the site of
// the first location when `names_site` (ThreadSanitizer's reports).
struct SanitizerReport {
  std::string tool;   // "ThreadSanitizer", "AddressSanitizer", "LeakSanitizer", "UBSan"
  std::string title;  // the report's own words: "data race", "heap-use-after-free"
  bool names_site = false;
};

// One thread's part in a lock-order cycle, a wait-for cycle or a hang.
struct ThreadStep {
  enum class Act {
    kHoldsAndRequests,  // holds `held` (taken at held_at) and requests `lock` at `at`
    kWaitsFor,          // blocked taking `lock` at `at`; `holder` holds it (taken at held_at)
    kNeedsBack,         // waits on a condition variable and needs `lock` back
    kRetries,           // keeps retrying `lock` (try or timed locks) that `holder` holds
    kJoins,             // joins thread `holder`
    kWaitsOnCondition,  // waits on a condition variable (with `lock`) at `at`: a hang's wait
  };
  Act act = Act::kWaitsFor;
  std::string thread;
  std::string lock;
  std::string held;    // kHoldsAndRequests
  std::string holder;  // "" when no thread holds `lock` exclusively
  int readers = 0;     // kWaitsFor with no holder: the threads holding it shared
  // A hang's wait: whether `holder` is itself blocked on a lock (if not, it
  // runs, sleeps or joins: a slow run or a livelock rather than a deadlock).
  bool holder_blocked = true;
  std::optional<Location> at;       // where it requests or waits
  std::optional<Location> held_at;  // where `held`, or the holder's `lock`, was taken
};

// A cycle of threads and locks.
struct LockCycle {
  enum class Found {
    kInversion,        // lock-order inversion: edges that can deadlock (steps: kHoldsAndRequests)
    kClosedWaitCycle,  // a deadlock, seen by the checker as its wait-for cycle closed
    kClosedLivelock,   // threads retrying each other's locks for ever, seen as it closed
    kDumpedWaitCycle,  // a deadlock in the wait-for dump taken when the run was stopped
  };
  Found found = Found::kInversion;
  std::vector<std::string> locks;  // kInversion: the cycle's locks, the first again at the end
  std::vector<ThreadStep> steps;
  std::string stop;  // kDumpedWaitCycle: why the run was stopped ("every thread blocked for 1s")
};

// A thread requesting a lock it holds.
struct SelfDeadlock {
  std::string thread;
  std::string lock;
  bool held_shared = false;  // held shared, requested exclusively
  std::optional<Location> at, held_at;
};

// A lock used against its contract.
struct LockMisuse {
  enum class Kind {
    kUnlockNotOwner,
    kUnlockUnlocked,
    kWaitNotHeld,
    kRelockFailed,
    kDestroyLocked,  // `owner` holds it ("" unknown)
    kUseDestroyed,
    kExitHolding,     // `at` is where the thread took it
    kWaitTwoMutexes,  // `lock` is the condition variable, `other_lock` its waiters' mutex
    kDestroyWaited,   // `lock` is the condition variable, semaphore or barrier
    kPostOverflow,    // `lock` is the semaphore
    kReinitWaited,    // `lock` is the condition variable or barrier
    // A thread's end claimed twice: `lock` names the thread (by where it was
    // created), `earlier_at` is where it was first joined or detached.
    kJoinedTwice,
    kJoinDetached,
    kDetachedTwice,
    kDetachJoined,
  };
  Kind kind = Kind::kUnlockUnlocked;
  std::string thread;
  std::string lock;
  std::string owner;  // kUnlockNotOwner: the thread holding it; "" unknown
  std::optional<Location> at;
  std::string other_lock;              // kWaitTwoMutexes
  std::optional<Location> earlier_at;  // the thread misuses
};

// One thread of a process as /proc showed it.
struct ThreadState {
  int pid = 0;
  std::string process;  // its name
  int tid = 0;
  std::string state;  // "blocked in futex wait", "running", ...
};

// A run stopped with no lock cycle to show: what the threads were doing.
struct StuckRun {
  std::string stop;  // why the run was stopped ("every thread blocked for 200ms")
  // The lock-order checker's dump of the stopped run, when there was one:
  // every blocked thread's wait (possibly none).
  bool dumped = false;
  std::vector<ThreadStep> waits;
  std::vector<ThreadState> threads;  // without a dump: /proc's view
};

// A run still busy at its timeout.
struct StillRunning {
  absl::Duration after;            // the timeout
  absl::Duration progress_window;  // a thread ran within this long before the end
};

// A process that ended as it should not have.
struct ProcessEnd {
  enum class How { kDied, kExitStatus };
  How how = How::kDied;
  std::string ended;    // kDied: how ("killed by SIGSEGV")
  int exit_status = 0;  // kExitStatus: the status, and the one expected
  int expected_status = 0;
  std::string last_output;  // the last line it printed; "" none
};

// A case's own invariant, violated: the oracle's words.
struct InvariantViolation {
  std::string violation;
};

// Processes the program started that outlived it (killed by racelab).
struct StrayProcesses {
  std::vector<std::string> processes;  // "pid 12 (sleep)"
};

// A GoogleTest assertion that failed (--gtest): the test and GoogleTest's
// message (its first line is the assertion's own, "Expected equality of
// these values:"); where it failed is the finding's first location.
struct TestFailure {
  std::string test;  // "Suite.Name"
  std::string message;
};
// A finding read back from a JSON report (racelab merge): the message it
// was written with, its evidence no longer at hand.
struct WrittenMessage {
  std::string message;
};
using Evidence =
    std::variant<SanitizerReport, LockCycle, SelfDeadlock, LockMisuse, StuckRun, StillRunning,
                 ProcessEnd, InvariantViolation, StrayProcesses, TestFailure, WrittenMessage>;

}  // namespace racelab

#endif  // RACELAB_HARNESS_MODEL_EVIDENCE_H_
