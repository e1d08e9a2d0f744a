// Shared run collection (see run_collection.h).
#include "harness/runner/run_collection.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "harness/catalog/child_result.h"
#include "harness/detectors/asan_report_parser.h"
#include "harness/detectors/lockorder_findings.h"
#include "harness/detectors/report_symbols.h"
#include "harness/detectors/tsan_report_parser.h"
#include "harness/detectors/thread_states.h"
#include "harness/lockorder/protocol.h"
#include "harness/lockorder/record_file.h"
#include "harness/process/proc_files.h"

namespace racelab {
namespace {

namespace fs = std::filesystem;

// ThreadSanitizer exits with this code when it reported anything; set
// explicitly so a user's TSAN_OPTIONS cannot change what we read.
constexpr int kTsanExitCode = 66;

// Created by the preload library when it has recorded a wait-for cycle
// (RACELAB_LOCKORDER_FILE's value, "-stop"): the run can end.
constexpr char kStopFile[] = "lockorder-stop";

// How long the processes of a stopped run get to write their wait-for dumps.
constexpr absl::Duration kDumpGrace = absl::Seconds(2);

// A run that reached its timeout is still making progress when a thread of
// it ran within this window before the end.
constexpr absl::Duration kProgressWindow = absl::Milliseconds(500);

// How much of a crashed child's output its crash finding keeps.
constexpr int kCrashOutputLines = 10;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The last non-empty line the child printed, to explain a failure.
std::string LastOutputLine(const ChildOutcome& outcome) { return LastOutputLines(outcome, 1); }

// Why a hung run is hung: the wait-for cycle or waits the processes' own
// dumps show (a cycle wins over waits), else what /proc said of every
// thread of every process. `why` opens the message ("every thread blocked for 200ms").
Finding HangFinding(const std::vector<lockorder::Recording>& recordings,
                    const std::string& project_root, Symbolizer& symbolizer,
                    const Watchdog* watchdog, const std::string& why) {
  // A dump with waits explains most; one without (a wrapper shell's, say,
  // whose child hangs where the hooks cannot see) only when /proc has
  // nothing better.
  std::optional<Finding> hang, empty_hang;
  for (const lockorder::Recording& recording : recordings) {
    std::optional<Finding> diagnosis = WaitForFinding(recording, project_root, symbolizer, why);
    if (!diagnosis) continue;
    if (diagnosis->kind == FindingKind::kDeadlock) return *std::move(diagnosis);
    std::optional<Finding>& slot = recording.waits.empty() ? empty_hang : hang;
    if (!slot) slot = std::move(diagnosis);
  }
  if (hang) return *std::move(hang);
  std::vector<std::string> threads;
  if (watchdog != nullptr) threads = watchdog->DescribeThreads();
  if (threads.empty() && empty_hang) return *std::move(empty_hang);
  return Finding{Detector::kWatchdog, FindingKind::kHang,
                 absl::StrCat(why, "; no wait-for state from the lock-order checker",
                              threads.empty() ? "" : ": ", absl::StrJoin(threads, "; ")),
                 {}};
}

}  // namespace

std::string LastOutputLines(const ChildOutcome& outcome, int count) {
  const std::string text = absl::StrCat(outcome.output_head, outcome.output_tail);
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipWhitespace());
  const size_t first = lines.size() > static_cast<size_t>(count) ? lines.size() - count : 0;
  std::vector<absl::string_view> kept(lines.begin() + static_cast<std::ptrdiff_t>(first), lines.end());
  for (absl::string_view& line : kept) line = absl::StripTrailingAsciiWhitespace(line);
  return absl::StrJoin(kept, "\n");
}

std::optional<RunRecord> RunInScratchDir(
    const std::function<void(const std::string& scratch_dir, ChildSpec& child)>& prepare,
    const std::function<RunRecord(const ChildOutcome& outcome, const std::string& scratch_dir)>&
        collect,
    const std::string& keep_dir, const std::string& keep_prefix) {
  RunRecord record;
  const std::string scratch_dir = MakeScratchDir();
  if (scratch_dir.empty()) {
    record.error = "cannot create a scratch directory under $TMPDIR or /tmp";
    return record;
  }
  ChildSpec child;
  prepare(scratch_dir, child);
  absl::StatusOr<ChildOutcome> outcome = RunChild(child);
  std::error_code ignored;
  if (absl::IsCancelled(outcome.status())) {  // interrupted: the run did not finish
    fs::remove_all(scratch_dir, ignored);
    return std::nullopt;
  }
  if (outcome.ok()) {
    record = collect(*outcome, scratch_dir);
  } else {
    record.error = std::string(outcome.status().message());
  }
  const std::string kept = KeepLockOrderRecords(scratch_dir, keep_dir, keep_prefix);
  if (!kept.empty() && record.error.empty()) record.error = kept;
  fs::remove_all(scratch_dir, ignored);
  return record;
}

std::string KeptRunPrefix(const std::string& pattern, const std::string& variant, int run) {
  return absl::StrCat(pattern, ".", variant, ".run", run, ".");
}

std::vector<std::string> KeptLockOrderFiles(const std::string& keep_dir, const std::string& prefix) {
  std::vector<std::string> files;
  std::error_code ignored;
  for (const fs::directory_entry& entry : fs::directory_iterator(keep_dir, ignored)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, prefix) && absl::EndsWith(name, ".lockorder")) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string KeepLockOrderRecords(const std::string& scratch_dir, const std::string& keep_dir,
                                 const std::string& prefix) {
  if (keep_dir.empty()) return "";
  std::error_code ignored;
  fs::create_directories(keep_dir, ignored);
  for (const fs::directory_entry& entry : fs::directory_iterator(scratch_dir, ignored)) {
    const std::string name = entry.path().filename().string();
    if (!absl::StartsWith(name, "lockorder.")) continue;
    const std::string kept = absl::StrCat(prefix, name.substr(10), ".lockorder");
    std::error_code copy_error;
    fs::copy_file(entry.path(), fs::path(keep_dir) / kept, fs::copy_options::overwrite_existing,
                  copy_error);
    if (copy_error) return absl::StrCat("cannot keep ", name, " in ", keep_dir, ": ", copy_error.message());
  }
  return "";
}

namespace {

constexpr char kScratchPrefix[] = "racelab-run.";
constexpr char kOwnerFile[] = "owner";

// "<pid> <start time in clock ticks since boot>" of process `pid`: which
// process it is, even after its pid is reused. "" when it does not exist.
std::string ProcessIdentity(pid_t pid) {
  const std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t end_of_name = stat.rfind(')');
  if (end_of_name == std::string::npos) return "";
  // Fields after the name: state is field 3, start time field 22.
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(stat).substr(end_of_name + 2), ' ');
  if (fields.size() < 20) return "";
  return absl::StrCat(pid, " ", fields[19]);
}

// Removes scratch directories this user's racelab processes left behind
// when they were killed outright (SIGKILL gives no chance to clean up):
// those whose owner file names a process that no longer exists.
void RemoveStaleScratchDirs(const std::string& root) {
  std::error_code ignored;
  for (const fs::directory_entry& entry : fs::directory_iterator(root, ignored)) {
    const std::string name = entry.path().filename().string();
    if (!absl::StartsWith(name, kScratchPrefix)) continue;
    struct stat status;
    if (::lstat(entry.path().c_str(), &status) != 0 || !S_ISDIR(status.st_mode) ||
        status.st_uid != ::geteuid()) {
      continue;
    }
    const std::string owner = ReadFile(entry.path() / kOwnerFile);
    pid_t pid = 0;
    const std::vector<absl::string_view> fields = absl::StrSplit(owner, ' ');
    if (fields.size() != 2 || !absl::SimpleAtoi(fields[0], &pid) || pid <= 0) continue;
    if (ProcessIdentity(pid) != owner) fs::remove_all(entry.path(), ignored);
  }
}

}  // namespace

// A fresh private directory for one run's logs and result file, with an
// owner file naming this process; stale ones of dead racelab processes
// are removed first.
std::string MakeScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  const std::string root = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  static const bool kStaleRemoved = (RemoveStaleScratchDirs(root), true);
  (void)kStaleRemoved;
  std::string pattern = absl::StrCat(root, "/", kScratchPrefix, "XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) return "";
  std::ofstream(fs::path(pattern) / kOwnerFile) << ProcessIdentity(::getpid());
  return pattern;
}

// The sanitizer settings every child gets; the user's own options come first
// so that ours, which the runner depends on, win.
//
// suppress_equal_addresses=0: ThreadSanitizer v3 (clang 14's runtime) marks
// an address as reported *before* it restores the previous access's stack;
// when that stack has already left its trace (likely at -O0, where every
// call adds trace events), the report is dropped and every later race on the
// address is suppressed "as doubled". Measured on counter/racy under
// tsan-clang: detected in 1 of 3 runs without this flag, 50 of 50 with it.
//
// history_size=7 (the largest): a longer per-thread trace, so the earlier
// access of a race can still be restored when the racing threads did many
// calls in between (bank_account/racy spins in a rendezvous between check and
// act: its race was reported in 9 of 10 runs with gcc's default, 30 of 30
// with 7).
std::vector<std::pair<std::string, std::string>> ScratchEnvironment(const std::string& scratch_dir,
                                                                    ReportSymbols symbols) {
  auto with_user = [](const char* name, const std::string& ours) {
    const char* user = std::getenv(name);
    return user != nullptr && *user != '\0' ? absl::StrCat(user, " ", ours) : ours;
  };
  return {
      {lockorder::kRecordFileVariable, absl::StrCat(scratch_dir, "/lockorder")},
      {"TSAN_OPTIONS",
       with_user("TSAN_OPTIONS",
                 absl::StrCat("log_path=", scratch_dir, "/tsan exitcode=", kTsanExitCode,
                              " atexit_sleep_ms=0 halt_on_error=0 second_deadlock_stack=1"
                              " suppress_equal_addresses=0 history_size=7",
                              symbols == ReportSymbols::kByTheRunner ? " symbolize=0" : ""))},
      // AddressSanitizer (which stops at its first report) and UBSan (which
      // goes on) write to files of their own, read like TSan's.
      {"ASAN_OPTIONS", with_user("ASAN_OPTIONS", absl::StrCat("log_path=", scratch_dir, "/asan"))},
      {"UBSAN_OPTIONS", with_user("UBSAN_OPTIONS", absl::StrCat("log_path=", scratch_dir,
                                                                "/ubsan print_stacktrace=1"))},
  };
}

int CompleteWaitDumps(const std::string& scratch_dir) {
  int complete = 0;
  std::error_code ignored;
  for (const fs::directory_entry& entry : fs::directory_iterator(scratch_dir, ignored)) {
    if (absl::StartsWith(entry.path().filename().string(), "lockorder.") &&
        absl::StrContains(ReadFile(entry.path()), "\nwait-end ")) {
      ++complete;
    }
  }
  return complete;
}

void WatchRun(Watchdog& watchdog, const std::string& scratch_dir,
              const std::function<void(int pid)>& collect_stacks, ChildSpec& child) {
  const std::string stop_file = absl::StrCat(scratch_dir, "/", kStopFile);
  child.watch = [&watchdog, stop_file](int /*program*/, int guard) -> std::string {
    struct stat status;
    if (::stat(stop_file.c_str(), &status) == 0) return "the lock-order checker saw a wait-for cycle close";
    if (!watchdog.Observe(SampleThreads(ProcessesBelow(guard)), absl::Now())) return "";
    return absl::StrCat("every thread blocked for ",
                        absl::FormatDuration(absl::Trunc(watchdog.blocked_for(), absl::Milliseconds(1))));
  };
  child.before_kill = [scratch_dir, collect_stacks](int program, int guard) {
    // Stacks first: the dump handler then runs in no thread gdb shows.
    if (collect_stacks) collect_stacks(program);
    // Only processes that installed racelab's handler are asked: for any
    // other (one that reset its signal dispositions, or hung before the
    // preload library's constructor ran) the signal's default action would
    // kill it.
    const int signal_number = lockorder::WaitDumpSignal();
    const int dumped_before = CompleteWaitDumps(scratch_dir);
    int asked = 0;
    for (pid_t pid : ProcessesBelow(guard)) {
      if (CatchesSignal(pid, signal_number) && ::kill(pid, signal_number) == 0) ++asked;
    }
    const absl::Time give_up = absl::Now() + kDumpGrace;
    while (asked > 0 && absl::Now() < give_up &&
           CompleteWaitDumps(scratch_dir) < dumped_before + asked) {
      absl::SleepFor(absl::Milliseconds(5));
    }
  };
}

RunRecord CollectRun(const ChildOutcome& outcome, const std::string& scratch_dir,
                     const std::string& project_root, absl::Duration timeout,
                     Symbolizer& symbolizer, const Watchdog* watchdog,
                     ResultFile result_file) {
  RunRecord record;
  record.wall = outcome.wall;
  record.ended = DescribeEnd(outcome);

  // ThreadSanitizer and the lock-order checker: every file the process (or
  // its children) wrote, and any TSan report printed despite log_path.
  std::error_code ignored;
  std::vector<lockorder::Recording> recordings;
  for (const fs::directory_entry& entry : fs::directory_iterator(scratch_dir, ignored)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, "tsan.") || absl::StartsWith(name, "asan.") ||
        absl::StartsWith(name, "ubsan.")) {
      // Both parsers on every sanitizer log: the runtimes share one
      // log_path flag, and clang's TSan runtime also reads UBSAN_OPTIONS,
      // so its reports land in ubsan.<pid>.
      const std::string text = SymbolizeReportFrames(ReadFile(entry.path()), symbolizer);
      for (Finding& finding : ParseTsanOutput(text, project_root)) {
        record.findings.push_back(std::move(finding));
      }
      for (Finding& finding : ParseAsanOutput(text, project_root)) {
        record.findings.push_back(std::move(finding));
      }
    } else if (absl::StartsWith(name, "lockorder.")) {
      absl::StatusOr<lockorder::Recording> recording = lockorder::ReadRecording(entry.path());
      if (!recording.ok()) {
        record.error = std::string(recording.status().message());
        continue;
      }
      for (Finding& finding : LockOrderFindings(*recording, project_root, symbolizer)) {
        record.findings.push_back(std::move(finding));
      }
      recordings.push_back(*std::move(recording));
    }
  }
  for (const std::string* output : {&outcome.output_head, &outcome.output_tail}) {
    const std::string text = SymbolizeReportFrames(*output, symbolizer);
    for (Finding& finding : ParseTsanOutput(text, project_root)) {
      record.findings.push_back(std::move(finding));
    }
    for (Finding& finding : ParseAsanOutput(text, project_root)) {
      record.findings.push_back(std::move(finding));
    }
  }

  // The child's own result: what it observed and what its oracle said.
  const fs::path result_path = fs::path(scratch_dir) / "result";
  bool finished = false;
  if (fs::exists(result_path, ignored)) {
    absl::StatusOr<ChildResult> result = ParseChildResult(ReadFile(result_path));
    if (result.ok()) {
      finished = true;
      record.observed = result->observed;
      if (result->oracle == ChildResult::Oracle::kViolated) {
        record.findings.push_back(Finding{Detector::kOracle, FindingKind::kInvariant,
                                          absl::StrCat("invariant violated: ", result->violation),
                                          {}});
      }
    } else {
      record.error = std::string(result.status().message());
    }
  }

  // A cycle the checker recorded as it closed explains a stop or a hang.
  const bool cycle_recorded =
      std::any_of(record.findings.begin(), record.findings.end(), [](const Finding& finding) {
        return finding.detector == Detector::kWatchdog &&
               (finding.kind == FindingKind::kDeadlock || finding.kind == FindingKind::kLivelock);
      });
  switch (outcome.end) {
    case ChildOutcome::End::kTimedOut:
      if (cycle_recorded) break;
      if (watchdog != nullptr && watchdog->ProgressedWithin(kProgressWindow)) {
        record.findings.push_back(Finding{
            Detector::kWatchdog, FindingKind::kTimeout,
            absl::StrCat("still running after ", absl::FormatDuration(timeout),
                         ", not blocked (a thread ran within the last ",
                         absl::FormatDuration(kProgressWindow), "): slow, or a livelock"),
            {}});
        break;
      }
      record.findings.push_back(HangFinding(
          recordings, project_root, symbolizer, watchdog,
          absl::StrCat("no progress within ", absl::FormatDuration(timeout))));
      break;
    case ChildOutcome::End::kStopped:
      if (!cycle_recorded) {
        record.findings.push_back(
            HangFinding(recordings, project_root, symbolizer, watchdog, outcome.stop_reason));
      }
      break;
    case ChildOutcome::End::kSignaled: {
      Finding crash{Detector::kCrash, FindingKind::kCrash,
                    absl::StrCat("child died: ", record.ended,
                                 LastOutputLine(outcome).empty() ? "" : "; last output: ",
                                 LastOutputLine(outcome)),
                    {}};
      record.findings.push_back(std::move(crash));
      break;
    }
    case ChildOutcome::End::kFlooded:
      record.error = absl::StrCat("child ", record.ended, "; run abandoned");
      break;
    case ChildOutcome::End::kExited:
      if (result_file == ResultFile::kNone) break;  // a program's exit code is its own
      if (!finished && record.findings.empty() && record.error.empty()) {
        record.error = absl::StrCat("child ended (", record.ended, ") without a result",
                                    LastOutputLine(outcome).empty() ? "" : ": ",
                                    LastOutputLine(outcome));
      } else if (finished && outcome.exit_code != 0 && outcome.exit_code != kTsanExitCode) {
        record.error = absl::StrCat("child finished but ", record.ended);
      }
      break;
  }
  if (!outcome.stray_processes.empty()) {
    const size_t count = outcome.stray_processes.size();
    record.findings.push_back(Finding{
        Detector::kWatchdog, FindingKind::kStrayProcess,
        absl::StrCat("left ", count, count == 1 ? " process" : " processes",
                     " running after it ended, killed by racelab: ",
                     absl::StrJoin(outcome.stray_processes, "; ")),
        {}});
  }
  // A crash a sanitizer reported (the process then exits rather than dies by
  // the signal) also gets what the program printed last.
  const std::string last_lines = LastOutputLines(outcome, kCrashOutputLines);
  for (Finding& finding : record.findings) {
    if (finding.kind == FindingKind::kCrash && finding.details.empty() && !last_lines.empty()) {
      finding.details = absl::StrCat("last output:\n", last_lines);
    }
  }
  return record;
}

}  // namespace racelab
