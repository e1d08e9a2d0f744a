// The watchdog as a detector (see watchdog_detector.h).
#include "harness/detectors/watchdog_detector.h"

#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "harness/detectors/lockorder_findings.h"
#include "harness/detectors/thread_states.h"
#include "harness/detectors/wait_for_findings.h"
#include "harness/lockorder/protocol.h"
#include "harness/process/proc_files.h"

namespace racelab {
namespace {

namespace fs = std::filesystem;

// Created by the preload library when it has recorded a wait-for cycle
// (RACELAB_LOCKORDER_FILE's value, "-stop"): the run can end.
constexpr char kStopFile[] = "lockorder-stop";

// How long the processes of a stopped run get to write their wait-for dumps.
constexpr absl::Duration kDumpGrace = absl::Seconds(2);
// While waiting for dumps, the processes' threads are sampled every this
// many 5 ms polls (AskForWaitDumps).
constexpr int kPollsPerSettleSample = 4;

// A run that reached its timeout is still making progress when a thread of
// it ran within this window before the end.
constexpr absl::Duration kProgressWindow = absl::Milliseconds(500);

// How long gdb may take to attach and print every thread's stack.
constexpr absl::Duration kStackTimeout = absl::Seconds(20);
// At most this many lines of stacks are kept per run.
constexpr int kMaxStackLines = 400;

// Every thread's stack, as gdb prints it after attaching to `pid`.
std::string ThreadStacks(const std::string& gdb, int pid) {
  ChildSpec spec;
  spec.argv = {gdb,
               "-p",
               std::to_string(pid),
               "-batch",
               "-nx",
               "-ex",
               "set pagination off",
               "-ex",
               "thread apply all bt"};
  spec.timeout = kStackTimeout;
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  if (!outcome.ok()) return absl::StrCat("(gdb could not run: ", outcome.status().message(), ")");
  std::string stacks = StackLines(absl::StrCat(outcome->output_head, outcome->output_tail));
  if (stacks.empty()) {
    return absl::StrCat("(gdb printed no stacks: ", DescribeEnd(*outcome),
                        "; last output: ", LastOutputLines(*outcome, 2), ")");
  }
  return stacks;
}

// Asks every process of the run that installed racelab's wait-dump handler
// for its wait-for state, and waits for the dumps. Only those: for any
// other (one that reset its signal dispositions, or hung before the
// preload library's constructor ran) the signal's default action would kill
// it. The wait ends when every asked process has dumped, or when none of
// their threads ran between two samples while all of them are blocked: the
// signal was taken and put off (ThreadSanitizer runs a handler only once
// the interrupted call returns, and a blocked call never does), so no dump
// is coming. A thread still runnable, running or in a timed wait keeps the
// wait going, however busy the machine; kDumpGrace bounds it all the same.
void AskForWaitDumps(const std::string& scratch_dir, int guard) {
  const int signal_number = lockorder::WaitDumpSignal();
  const int dumped_before = CompleteWaitDumps(scratch_dir);
  std::vector<pid_t> asked;
  for (pid_t pid : ProcessesBelow(guard)) {
    if (CatchesSignal(pid, signal_number) && ::kill(pid, signal_number) == 0) asked.push_back(pid);
  }
  const absl::Time give_up = absl::Now() + kDumpGrace;
  std::vector<ThreadSample> before;
  for (int poll = 1;
       !asked.empty() && absl::Now() < give_up &&
       CompleteWaitDumps(scratch_dir) < dumped_before + static_cast<int>(asked.size());
       ++poll) {
    absl::SleepFor(absl::Milliseconds(5));
    if (poll % kPollsPerSettleSample != 0) continue;
    std::vector<ThreadSample> now = SampleThreads(asked);
    if (BlockedThroughout(before, now)) break;
    before = std::move(now);
  }
}

// Why a hung run is hung: the wait-for cycle or waits the processes' own
// dumps show (a cycle wins over waits), else what /proc said of every
// thread of every process. `why` says why the run was stopped ("every
// thread blocked for 200ms").
Finding HangFinding(RunLeftovers& leftovers, RunRecord& record, const std::string& why) {
  // A dump with waits explains most; one without (a wrapper shell's, say,
  // whose child hangs where the hooks cannot see) only when /proc has
  // nothing better.
  std::optional<Finding> hang, empty_hang;
  for (const lockorder::Recording& recording : leftovers.Recordings(record.error)) {
    std::optional<Finding> diagnosis =
        WaitForFinding(recording, leftovers.subject().project_root, leftovers.symbolizer(), why);
    if (!diagnosis) continue;
    if (diagnosis->kind == FindingKind::kDeadlock) return *std::move(diagnosis);
    std::optional<Finding>& slot = recording.waits.empty() ? empty_hang : hang;
    if (!slot) slot = std::move(diagnosis);
  }
  if (hang) return *std::move(hang);
  StuckRun stuck;
  stuck.stop = why;
  if (leftovers.state().watchdog) stuck.threads = leftovers.state().watchdog->ThreadStates();
  if (stuck.threads.empty() && empty_hang) return *std::move(empty_hang);
  return Finding{Detector::kWatchdog, FindingKind::kHang, std::move(stuck), {}};
}

// A run that reached its timeout: still making progress (slow, or a
// livelock) or hung.
Finding TimeoutFinding(RunLeftovers& leftovers, RunRecord& record) {
  const absl::Duration timeout = leftovers.subject().timeout;
  const std::optional<Watchdog>& watchdog = leftovers.state().watchdog;
  if (watchdog && watchdog->ProgressedWithin(kProgressWindow)) {
    return Finding{
        Detector::kWatchdog, FindingKind::kTimeout, StillRunning{timeout, kProgressWindow}, {}};
  }
  return HangFinding(leftovers, record,
                     absl::StrCat("no progress within ", absl::FormatDuration(timeout)));
}

class WatchdogUnit : public RunDetector {
 public:
  Detector id() const override { return Detector::kWatchdog; }
  Applicability AppliesTo(const RunSubject&) const override { return {}; }

  // Every `quiet_period` the threads of every process of the run are
  // sampled into the run's Watchdog, and the run is stopped once it judges
  // them hung (or once the checker saw a wait-for cycle close). Before the
  // kill (after a stop or at the timeout): every thread's stack (gdb, when
  // given), then the wait-for dumps.
  void Prepare(const RunSubject& subject, const std::string& scratch_dir, RunState& state,
               ChildSpec& child) const override {
    child.timeout = subject.timeout;
    state.watchdog.emplace(subject.quiet_period);
    Watchdog& watchdog = *state.watchdog;
    const std::string stop_file = absl::StrCat(scratch_dir, "/", kStopFile);
    child.watch = [&watchdog, stop_file](int /*program*/, int guard) -> std::string {
      struct stat status;
      if (::stat(stop_file.c_str(), &status) == 0) {
        return "the lock-order checker saw a wait-for cycle close";
      }
      if (!watchdog.Observe(SampleThreads(ProcessesBelow(guard)), absl::Now())) return "";
      return absl::StrCat(
          "every thread blocked for ",
          absl::FormatDuration(absl::Trunc(watchdog.blocked_for(), absl::Milliseconds(1))));
    };
    const std::string gdb = subject.gdb;
    std::string* const stacks = &state.stacks;
    child.before_kill = [scratch_dir, gdb, stacks](int program, int guard) {
      // Stacks first: the dump handler then runs in no thread gdb shows.
      if (!gdb.empty()) *stacks = ThreadStacks(gdb, program);
      AskForWaitDumps(scratch_dir, guard);
    };
  }

  void Collect(RunLeftovers& leftovers, RunRecord& record) const override {
    // A cycle the checker recorded as it closed explains a stop or a hang.
    const bool cycle_recorded =
        std::any_of(record.findings.begin(), record.findings.end(), [](const Finding& finding) {
          return finding.detector == Detector::kWatchdog &&
                 (finding.kind == FindingKind::kDeadlock || finding.kind == FindingKind::kLivelock);
        });
    const ChildOutcome& outcome = leftovers.outcome();
    if (outcome.end == ChildOutcome::End::kTimedOut && !cycle_recorded) {
      record.findings.push_back(TimeoutFinding(leftovers, record));
    } else if (outcome.end == ChildOutcome::End::kStopped && !cycle_recorded) {
      record.findings.push_back(HangFinding(leftovers, record, outcome.stop_reason));
    }
    if (!outcome.stray_processes.empty()) {
      record.findings.push_back(Finding{Detector::kWatchdog,
                                        FindingKind::kStrayProcess,
                                        StrayProcesses{outcome.stray_processes},
                                        {}});
    }
    const std::string& stacks = leftovers.state().stacks;
    if (stacks.empty()) return;
    for (Finding& finding : record.findings) {
      if (finding.kind == FindingKind::kDeadlock || finding.kind == FindingKind::kHang) {
        finding.details = absl::StrCat("every thread's stack (gdb):\n", stacks);
      }
    }
  }
};

}  // namespace

const RunDetector& WatchdogDetector() {
  static const WatchdogUnit kDetector;
  return kDetector;
}

std::string StackLines(absl::string_view gdb_output) {
  std::vector<absl::string_view> kept;
  for (absl::string_view line : absl::StrSplit(gdb_output, '\n')) {
    if (absl::StartsWith(line, "Thread ") || absl::StartsWith(line, "#")) {
      if (absl::StartsWith(line, "Thread ") && !kept.empty()) kept.emplace_back("");
      kept.push_back(line);
    }
    if (static_cast<int>(kept.size()) >= kMaxStackLines) break;
  }
  return absl::StrJoin(kept, "\n");
}

int CompleteWaitDumps(const std::string& scratch_dir) {
  int complete = 0;
  std::error_code ignored;
  for (const fs::directory_entry& entry : fs::directory_iterator(scratch_dir, ignored)) {
    if (absl::StartsWith(entry.path().filename().string(), "lockorder.") &&
        absl::StrContains(ReadWholeFile(entry.path().string()), "\nwait-end ")) {
      ++complete;
    }
  }
  return complete;
}

}  // namespace racelab
