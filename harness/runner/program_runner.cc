// Black-box program runner (see program_runner.h).
#include "harness/runner/program_runner.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "harness/detectors/symbolizer.h"
#include "harness/detectors/watchdog.h"
#include "harness/process/child_process.h"
#include "harness/runner/run_collection.h"

namespace racelab {
namespace {

namespace fs = std::filesystem;

// How long gdb may take to attach and print every thread's stack.
constexpr absl::Duration kStackTimeout = absl::Seconds(20);
// At most this many lines of stacks are kept per run.
constexpr int kMaxStackLines = 400;

// `ours` in front of the variable's current value, `separator` between.
std::string Prepended(const char* name, const std::string& ours, absl::string_view separator) {
  const char* user = std::getenv(name);
  return user != nullptr && *user != '\0' ? absl::StrCat(ours, separator, user) : ours;
}

// Every thread's stack, as gdb prints it after attaching to `pid`; only the
// "Thread ..." headers and "#N ..." frame lines are kept.
std::string ThreadStacks(const std::string& gdb, int pid) {
  ChildSpec spec;
  spec.argv = {gdb, "-p", std::to_string(pid), "-batch", "-nx",
               "-ex", "set pagination off", "-ex", "thread apply all bt"};
  spec.timeout = kStackTimeout;
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  if (!outcome.ok()) return absl::StrCat("(gdb could not run: ", outcome.status().message(), ")");
  std::string stacks = StackLines(absl::StrCat(outcome->output_head, outcome->output_tail));
  if (stacks.empty()) {
    return absl::StrCat("(gdb printed no stacks: ", DescribeEnd(*outcome), "; last output: ",
                        LastOutputLines(*outcome, 2), ")");
  }
  return stacks;
}

// A script is given the preload library too: it reaches the programs the
// script starts.
bool UsesPreload(const ProgramTraits& traits, const ProgramRunOptions& options) {
  return !options.preload_library.empty() && (traits.preload_reaches_locks || !traits.is_elf);
}

// How many of the program's last output lines an exit-status finding keeps.
constexpr int kExitOutputLines = 10;

// An exit-status finding when the program exited with another status than
// `expected`, unless a sanitizer's report already explains the exit (TSan
// and ASan end the process with their own status after reporting).
std::optional<Finding> ExitStatusFinding(const ChildOutcome& outcome, const RunRecord& record,
                                         int expected) {
  if (outcome.end != ChildOutcome::End::kExited || outcome.exit_code == expected) return std::nullopt;
  for (const Finding& finding : record.findings) {
    if (finding.detector == Detector::kTsan || finding.detector == Detector::kAsan) return std::nullopt;
  }
  const std::string last = LastOutputLines(outcome, kExitOutputLines);
  Finding finding{Detector::kCrash, FindingKind::kExitStatus,
                  absl::StrCat("the program exited with status ", outcome.exit_code, ", not ",
                               expected, LastOutputLines(outcome, 1).empty() ? "" : "; last output: ",
                               LastOutputLines(outcome, 1)),
                  {}};
  if (!last.empty()) finding.details = absl::StrCat("last output:\n", last);
  return finding;
}

}  // namespace

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

std::vector<Detector> ProgramDetectors(const ProgramTraits& traits,
                                       const ProgramRunOptions& options) {
  std::vector<Detector> detectors;
  if (traits.tsan) detectors.push_back(Detector::kTsan);
  if (traits.asan) detectors.push_back(Detector::kAsan);
  if (UsesPreload(traits, options)) detectors.push_back(Detector::kLockorder);
  detectors.push_back(Detector::kWatchdog);
  detectors.push_back(Detector::kCrash);
  return detectors;
}

std::string ProgramDetectorNote(const ProgramTraits& traits, const ProgramRunOptions& options) {
  std::vector<std::string> notes;
  if (options.preload_library.empty()) {
    notes.emplace_back("lockorder: the preload library was not found");
  } else if (traits.is_elf && !traits.preload_reaches_locks) {
    notes.push_back(absl::StrCat("lockorder does not apply: ", traits.why_no_preload));
  }
  if (traits.is_elf && !traits.tsan) {
    notes.emplace_back("tsan does not apply: not built with -fsanitize=thread");
  }
  return absl::StrJoin(notes, "; ");
}

CaseDeclaration ProgramDeclaration(const std::string& program, Expect expect,
                                   const std::vector<Detector>& detectors) {
  std::string name;
  for (char c : fs::path(program).filename().string()) {
    const unsigned char u = static_cast<unsigned char>(c);
    name.push_back(std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_');
  }
  CaseDeclaration declaration;
  declaration.pattern = "program";
  declaration.variant = name.empty() ? "unnamed" : name;
  declaration.expect = expect;
  if (expect == Expect::kBug) {
    declaration.bug_kinds = AllFindingKinds();
    declaration.found_by = detectors;
  }
  return declaration;
}

std::vector<RunRecord> RunProgram(const std::vector<std::string>& argv,
                                  const CaseDeclaration& declaration, const ProgramTraits& traits,
                                  const ProgramRunOptions& options) {
  std::vector<RunRecord> records;
  Symbolizer symbolizer;
  const bool preload = UsesPreload(traits, options);
  for (int run = 0; run < options.repeat && InterruptedBy() == 0; ++run) {
    std::string stacks;  // every thread's stack, when the run timed out and gdb could attach
    std::optional<Watchdog> watchdog;
    const auto prepare = [&](const std::string& scratch_dir, ChildSpec& child) {
      child.argv = argv;
      child.argv[0] = traits.path;
      child.env = ScratchEnvironment(scratch_dir);
      if (preload) {
        child.env.emplace_back("LD_PRELOAD", Prepended("LD_PRELOAD", options.preload_library, ":"));
        // gcc's ASan runtime insists on being first in the library list; the
        // preload library does not instrument anything, so that order is moot.
        for (auto& [name, value] : child.env) {
          if (name == "ASAN_OPTIONS") absl::StrAppend(&value, " verify_asan_link_order=0");
        }
      }
      // Lock order is racelab's checker's job: ThreadSanitizer's own detector
      // reports cycles that one gate lock serialises (tests/programs/
      // gate_lock.cc), so it is off in black-box mode, preload or not.
      for (auto& [name, value] : child.env) {
        if (name == "TSAN_OPTIONS") absl::StrAppend(&value, " detect_deadlocks=0");
      }
      child.timeout = options.timeout;
      watchdog.emplace(options.quiet_period);
      std::function<void(int)> collect_stacks;
      if (!options.gdb.empty()) {
        collect_stacks = [&stacks, &options](int pid) { stacks = ThreadStacks(options.gdb, pid); };
      }
      WatchRun(*watchdog, scratch_dir, collect_stacks, child);
    };
    const auto collect = [&](const ChildOutcome& outcome, const std::string& scratch_dir) {
      RunRecord record = CollectRun(outcome, scratch_dir, options.project_root, options.timeout,
                                    symbolizer, &*watchdog, ResultFile::kNone);
      if (std::optional<Finding> status = ExitStatusFinding(outcome, record, options.expected_exit_code)) {
        record.findings.push_back(*std::move(status));
      }
      for (Finding& finding : record.findings) {
        const bool hung = finding.kind == FindingKind::kDeadlock || finding.kind == FindingKind::kHang;
        if (hung && !stacks.empty()) {
          finding.details = absl::StrCat("every thread's stack (gdb):\n", stacks);
        }
      }
      return record;
    };
    std::optional<RunRecord> record =
        RunInScratchDir(prepare, collect, options.keep_lockorder_dir,
                        KeptRunPrefix(declaration.pattern, declaration.variant, run + 1));
    if (!record) break;
    records.push_back(*std::move(record));
  }
  return records;
}

}  // namespace racelab
