// racelab — the command-line entry point. Parses flags and wires the
// libraries: registry → runner → grading → writers. Owns no logic of its own
// beyond choosing what to call and which exit code to return.
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/catalog/case_child.h"
#include "harness/catalog/registry.h"
#include "harness/model/build_info.h"
#include "harness/model/exit_status.h"
#include "harness/report/console_writer.h"
#include "harness/report/grade.h"
#include "harness/detectors/detector.h"
#include "harness/detectors/lockorder_analysis.h"
#include "harness/detectors/symbolizer.h"
#include "harness/process/graphviz.h"
#include "harness/report/progress_line.h"
#include "harness/report/report_file.h"
#include "harness/report/report_format.h"
#include "harness/runner/case_runner.h"
#include "harness/process/child_process.h"
#include "harness/runner/program_inspection.h"
#include "harness/runner/program_runner.h"
#include "harness/runner/run_collection.h"
#include "tools/racelab/cli_flags.h"

namespace racelab {
namespace {


int Fail(absl::string_view message) {
  std::cerr << "racelab: " << message << "\n";
  return kExitFailure;
}

int List(const CaseRegistry& registry) {
  std::vector<const CaseSpec*> cases = registry.All();
  size_t width = 4;
  for (const CaseSpec* spec : cases) width = std::max(width, spec->Id().size());
  absl::PrintF("%-*s  %-6s  %-40s  %s\n", static_cast<int>(width), "CASE", "EXPECT",
               "BUG KINDS (FOUND BY; ?=SOME RUNS)", "WHAT IT DOES");
  for (const CaseSpec* spec : cases) {
    std::vector<std::string> kinds, detectors;
    for (FindingKind kind : spec->bug_kinds) kinds.emplace_back(FindingKindName(kind));
    for (Detector detector : spec->found_by) detectors.emplace_back(DetectorName(detector));
    for (Detector detector : spec->sometimes_found_by) {
      detectors.push_back(absl::StrCat(DetectorName(detector), "?"));
    }
    const std::string expected =
        kinds.empty() ? "-"
                      : absl::StrCat(absl::StrJoin(kinds, ","), " (", absl::StrJoin(detectors, ","), ")");
    absl::PrintF("%-*s  %-6s  %-40s  %s\n", static_cast<int>(width), spec->Id(),
                 ExpectName(spec->expect), expected, spec->title);
  }
  return kExitSuccess;
}

// The binary to re-execute for each run: this very file.
std::string SelfPath() {
  std::vector<char> buffer(4096);
  const ssize_t n = ::readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
  return n > 0 ? std::string(buffer.data(), static_cast<size_t>(n)) : "";
}

// The lock-order preload library: $RACELAB_PRELOAD_LIBRARY, else the one
// built next to this binary; "" when there is none.
std::string PreloadLibrary() {
  if (const char* chosen = std::getenv("RACELAB_PRELOAD_LIBRARY"); chosen != nullptr && *chosen) {
    return chosen;
  }
  const std::filesystem::path beside =
      std::filesystem::path(SelfPath()).parent_path() / "libracelab_lockorder_preload.so";
  std::error_code ignored;
  return std::filesystem::exists(beside, ignored) ? beside.string() : "";
}

// gdb, for every thread's stack on a timeout; "" when it is not installed.
// RACELAB_GDB=none turns it off.
std::string Gdb() {
  if (const char* chosen = std::getenv("RACELAB_GDB"); chosen != nullptr && *chosen) {
    return std::string(chosen) == "none" ? "" : chosen;
  }
  for (const char* candidate : {"/usr/bin/gdb", "/usr/local/bin/gdb"}) {
    if (::access(candidate, X_OK) == 0) return candidate;
  }
  return "";
}

// Where run record files are kept: --lockorder-dir, or, when the HTML report
// needs the graphs and none was given, a temporary directory removed on exit.
class LockOrderKeep {
 public:
  explicit LockOrderKeep(const Command& command) : dir_(command.lockorder_dir) {
    if (dir_.empty() && command.report_paths.count("html") != 0) {
      dir_ = MakeScratchDir();
      temporary_ = true;
    }
  }
  LockOrderKeep(const LockOrderKeep&) = delete;
  LockOrderKeep& operator=(const LockOrderKeep&) = delete;
  ~LockOrderKeep() {
    std::error_code ignored;
    if (temporary_) std::filesystem::remove_all(dir_, ignored);
  }
  const std::string& dir() const { return dir_; }

  // The graph of the case's first run, into the report (for the HTML page).
  void AddFirstRunGraph(const CaseDeclaration& declaration, const std::string& root,
                        Symbolizer& symbolizer, Report& report) const {
    if (dir_.empty()) return;
    const std::vector<std::string> files =
        KeptLockOrderFiles(dir_, KeptRunPrefix(declaration.pattern, declaration.variant, 1));
    if (files.empty()) return;
    absl::StatusOr<LockOrderAnalysis> graph = AnalyzeLockOrder(files, root, symbolizer);
    if (graph.ok()) report.lock_graphs[declaration.Id()] = *std::move(graph);
  }

 private:
  std::string dir_;
  bool temporary_ = false;
};

// The report flags and their paths, in the order the reports are written.
std::vector<std::pair<std::string, std::string>> ReportPaths(const Command& command) {
  std::vector<std::pair<std::string, std::string>> paths;
  for (const ReportFormat& format : ReportFormats()) {
    const auto path = command.report_paths.find(std::string(format.name));
    if (path != command.report_paths.end()) paths.emplace_back(absl::StrCat("--", format.name), path->second);
  }
  return paths;
}

bool ReportsToStandardOutput(const Command& command) {
  for (const auto& [flag, path] : ReportPaths(command)) {
    if (path == kStandardOutputPath) return true;
  }
  return false;
}

// Prints the console report, writes every report file asked for and
// returns the exit code. Every report is attempted; one that cannot be
// written does not cost the others.
int Finish(Report& report, const Command& command) {
  report.summary = Summarize(report.results);
  if (const int signal_number = InterruptedBy(); signal_number != 0) {
    report.complete = false;
    report.incomplete_reason = absl::StrCat("interrupted by SIG", sigabbrev_np(signal_number));
  }
  // A report sent to standard output ("-") keeps it for itself: the table
  // goes to standard error then.
  std::ostream& console = ReportsToStandardOutput(command) ? std::cerr : std::cout;
  console << FormatConsoleReport(report, ConsoleStyle{IsInteractive(
                                             ReportsToStandardOutput(command) ? stderr : stdout)})
          << std::flush;
  const WriterOptions options{&RenderDotToSvg};
  std::vector<std::string> unwritten;
  for (const ReportFormat& format : ReportFormats()) {
    const auto path = command.report_paths.find(std::string(format.name));
    if (path == command.report_paths.end()) continue;
    if (absl::Status written = WriteReportFile(path->second, format.writer(report, options));
        !written.ok()) {
      unwritten.emplace_back(written.message());
    }
  }
  if (!unwritten.empty()) return Fail(absl::StrJoin(unwritten, "; "));
  if (!report.complete) return Fail(absl::StrCat(report.incomplete_reason, ": reports hold the ",
                                                 report.results.size(), " finished cases"));
  return ExitCodeFor(report.summary);
}

// Black-box mode: the program after `--` is the one case.
int RunProgramCase(const Command& command) {
  absl::StatusOr<ProgramTraits> traits = InspectProgram(command.program[0]);
  if (!traits.ok()) return Fail(traits.status().message());
  ProgramRunOptions options;
  options.repeat = command.repeat;
  options.expected_exit_code = command.exit_code;
  if (command.timeout) options.timeout = *command.timeout;
  if (command.quiet_period) options.quiet_period = *command.quiet_period;
  options.project_root = std::filesystem::current_path().string();
  options.preload_library = PreloadLibrary();
  options.gdb = Gdb();
  const LockOrderKeep keep(command);
  options.keep_lockorder_dir = keep.dir();

  StopChildrenWhenInterrupted();
  const auto start = std::chrono::steady_clock::now();
  Report report;
  report.build = ThisBuild();
  report.program = command.program;
  report.locations_root = options.project_root;
  const std::vector<Detector> detectors = ProgramDetectors(*traits, options);
  const CaseDeclaration declaration = ProgramDeclaration(
      command.program[0], command.expect_bug ? Expect::kBug : Expect::kClean, detectors);
  std::vector<RunRecord> runs = RunProgram(command.program, declaration, *traits, options);
  if (!runs.empty()) {
    CaseResult result = GradeCase(declaration, runs, detectors);
    const std::string note = ProgramDetectorNote(*traits, options);
    if (!note.empty()) result.note = result.note.empty() ? note : absl::StrCat(result.note, "; ", note);
    report.results.push_back(std::move(result));
    Symbolizer symbolizer;
    keep.AddFirstRunGraph(declaration, options.project_root, symbolizer, report);
  }
  report.duration = absl::FromChrono(std::chrono::steady_clock::now() - start);
  return Finish(report, command);
}

int Run(const CaseRegistry& registry, const Command& command) {
  if (!command.program.empty()) return RunProgramCase(command);
  std::vector<const CaseSpec*> cases = registry.Matching(command.filter);
  if (cases.empty()) {
    return Fail(absl::StrCat("no case id matches --filter '", command.filter, "' (see 'racelab list')"));
  }
  RunOptions options;
  options.repeat = command.repeat;
  options.timeout = command.timeout;
  if (command.quiet_period) options.quiet_period = *command.quiet_period;
  options.case_binary = SelfPath();
  options.project_root = ThisBuild().source_root;
  const LockOrderKeep keep(command);
  options.keep_lockorder_dir = keep.dir();
  if (options.case_binary.empty()) return Fail("cannot find this program's own path in /proc/self/exe");

  StopChildrenWhenInterrupted();
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return absl::FromChrono(std::chrono::steady_clock::now() - start); };
  Report report;
  report.build = ThisBuild();
  report.locations_root = options.project_root;
  const std::vector<Detector> active = ActiveDetectors();
  Symbolizer symbolizer;
  {
    ProgressLine progress(IsInteractive(stderr));
    for (size_t i = 0; i < cases.size(); ++i) {
      progress.Show(static_cast<int>(i), static_cast<int>(cases.size()), cases[i]->Id(), elapsed());
      std::vector<RunRecord> runs = RunCatalogCase(*cases[i], options, symbolizer);
      if (InterruptedBy() != 0) break;  // this case did not finish: not reported
      report.results.push_back(GradeCase(cases[i]->Declaration(), runs, active));
      keep.AddFirstRunGraph(cases[i]->Declaration(), options.project_root, symbolizer, report);
    }
  }
  report.duration = elapsed();
  return Finish(report, command);
}

int Child(const CaseRegistry& registry, const Command& command) {
  // Die with the runner: a child whose runner was killed outright must not
  // go on (a deadlocked case would otherwise live forever).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (absl::Status status = RunCaseInChild(registry, command.child_case_id, command.child_result_path);
      !status.ok()) {
    return Fail(status.message());
  }
  return kExitSuccess;
}

int Main(int argc, char** argv) {
  absl::StatusOr<Command> command = ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (!command.ok()) return Fail(command.status().message());
  const CaseRegistry& registry = CaseRegistry::Global();
  switch (command->verb) {
    case Command::Verb::kHelp:
      std::cout << UsageText();
      return kExitSuccess;
    case Command::Verb::kList: return List(registry);
    case Command::Verb::kRun:
      // Before anything runs: two reports into one file would leave only one.
      if (absl::Status distinct = CheckDistinctReportPaths(ReportPaths(*command)); !distinct.ok()) {
        return Fail(distinct.message());
      }
      return Run(registry, *command);
    case Command::Verb::kChild: return Child(registry, *command);
  }
  return kExitFailure;
}

}  // namespace
}  // namespace racelab

int main(int argc, char** argv) { return racelab::Main(argc, argv); }
