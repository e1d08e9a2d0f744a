// A session of runs graded into a report (see session.h).
#include "harness/session/session.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/detectors/detector.h"
#include "harness/detectors/lockorder_analysis.h"
#include "harness/detectors/symbolizer.h"
#include "harness/model/build_info.h"
#include "harness/process/child_process.h"
#include "harness/report/grade.h"
#include "harness/runner/case_runner.h"
#include "harness/runner/gtest_listing.h"
#include "harness/runner/program_inspection.h"
#include "harness/runner/program_runner.h"
#include "harness/runner/run_collection.h"
#include "harness/session/parallel_runs.h"

namespace racelab {
namespace {

// Where run record files are kept: the session's lockorder_dir, or, when the
// report needs the graphs and none was given, a temporary directory removed
// with this object.
class LockOrderKeep {
 public:
  explicit LockOrderKeep(const SessionOptions& options) : dir_(options.lockorder_dir) {
    if (dir_.empty() && options.lock_graphs) {
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

  // The graph of the case's first run, into the report.
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

absl::Duration Since(std::chrono::steady_clock::time_point start) {
  return absl::FromChrono(std::chrono::steady_clock::now() - start);
}

// The summary, and whether an interruption cut the session short.
void Conclude(Report& report) {
  report.summary = Summarize(report.results);
  if (const int signal_number = InterruptedBy(); signal_number != 0) {
    report.complete = false;
    report.incomplete_reason = absl::StrCat("interrupted by SIG", sigabbrev_np(signal_number));
  }
}

// How a program's runs go, from the session's options.
ProgramRunOptions ProgramOptionsFor(const SessionOptions& session) {
  ProgramRunOptions options;
  options.repeat = session.repeat;
  options.expected_exit_code = session.expected_exit_code;
  if (session.timeout) options.timeout = *session.timeout;
  if (session.quiet_period) options.quiet_period = *session.quiet_period;
  options.project_root = std::filesystem::current_path().string();
  options.preload_library = session.preload_library;
  options.gdb = session.gdb;
  options.perturb = session.perturb;
  return options;
}

// A report of a program's runs, before any: what ran and which detectors
// cannot see it.
Report ProgramReport(const SessionOptions& session, const ProgramTraits& traits,
                     const ProgramRunOptions& options) {
  Report report;
  report.build = ThisBuild();
  report.program = session.program;
  report.detector_notes = ProgramDetectorNotes(traits, options);
  report.locations_root = options.project_root;
  return report;
}

// What a session runs: its cases, how one run of one goes, and the
// detectors its verdicts take into account.
struct Plan {
  std::vector<CaseDeclaration> cases;
  std::vector<Detector> detectors;
  RunOne run_one;
};

// Runs the plan's cases × repeats (the shard's part, on session.jobs
// threads) and grades each case that finished into `report`, in the plan's
// order; a case this shard has no run of is left out.
void RunAndGrade(const SessionOptions& session, const Plan& plan, const LockOrderKeep& keep,
                 std::chrono::steady_clock::time_point start, Report& report) {
  const int total = static_cast<int>(plan.cases.size());
  std::vector<std::optional<std::vector<RunRecord>>> runs =
      RunAll(total, session.repeat, session.jobs, session.shard, plan.run_one, [&](int case_index) {
        if (session.on_case_start) {
          session.on_case_start(case_index, total, plan.cases[case_index].Id(), Since(start));
        }
      });
  report.shard_index = session.shard.index;
  report.shard_count = session.shard.count;
  Symbolizer symbolizer;
  for (int c = 0; c < total; ++c) {
    if (!runs[c] || runs[c]->empty()) continue;  // interrupted, or another shard's
    report.results.push_back(GradeCase(plan.cases[c], *runs[c], plan.detectors));
    report.results.back().index = c;
    keep.AddFirstRunGraph(plan.cases[c], report.locations_root, symbolizer, report);
  }
  report.duration = Since(start);
  Conclude(report);
}

// Black-box mode: the program is the one case.
absl::StatusOr<Report> RunProgramSession(const SessionOptions& session) {
  absl::StatusOr<ProgramTraits> traits = InspectProgram(session.program[0]);
  if (!traits.ok()) return traits.status();
  ProgramRunOptions options = ProgramOptionsFor(session);
  const LockOrderKeep keep(session);
  options.keep_lockorder_dir = keep.dir();

  StopChildrenWhenInterrupted();
  const auto start = std::chrono::steady_clock::now();
  Report report = ProgramReport(session, *traits, options);
  Plan plan;
  plan.detectors = ProgramDetectors(*traits, options);
  plan.cases.push_back(ProgramDeclaration(
      session.program[0], session.expect_bug ? Expect::kBug : Expect::kClean, plan.detectors));
  plan.run_one = [&](int, int run, Symbolizer& symbolizer) {
    return RunProgramOnce(session.program, plan.cases[0], *traits, options, run, symbolizer);
  };
  RunAndGrade(session, plan, keep, start, report);
  return report;
}

// --gtest: each test the binary lists is a case of its own, every run of it
// a process of the binary running that test alone.
absl::StatusOr<Report> RunGtestSession(const SessionOptions& session) {
  absl::StatusOr<ProgramTraits> traits = InspectProgram(session.program[0]);
  if (!traits.ok()) return traits.status();
  std::vector<std::string> argv = session.program;
  argv[0] = traits->path;
  absl::StatusOr<std::vector<std::string>> tests = ListGtestTests(argv, session.gtest_filter);
  if (!tests.ok()) return tests.status();
  ProgramRunOptions options = ProgramOptionsFor(session);
  const LockOrderKeep keep(session);
  options.keep_lockorder_dir = keep.dir();

  StopChildrenWhenInterrupted();
  const auto start = std::chrono::steady_clock::now();
  options.gtest_test = tests->front();  // what the notes and detectors depend on: any test
  Report report = ProgramReport(session, *traits, options);
  Plan plan;
  plan.detectors = ProgramDetectors(*traits, options);
  for (const std::string& test : *tests) {
    plan.cases.push_back(
        GtestDeclaration(test, session.expect_bug ? Expect::kBug : Expect::kClean, plan.detectors));
  }
  plan.run_one = [&](int case_index, int run, Symbolizer& symbolizer) {
    ProgramRunOptions test_options = options;
    test_options.gtest_test = (*tests)[case_index];
    std::vector<std::string> test_argv = session.program;
    test_argv.push_back(absl::StrCat("--gtest_filter=", test_options.gtest_test));
    return RunProgramOnce(test_argv, plan.cases[case_index], *traits, test_options, run,
                          symbolizer);
  };
  RunAndGrade(session, plan, keep, start, report);
  return report;
}

absl::StatusOr<Report> RunCatalogSession(const CaseRegistry& registry,
                                         const SessionOptions& session) {
  std::vector<const CaseSpec*> cases = registry.Matching(session.filter);
  if (cases.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no case id matches --filter '", session.filter, "' (see 'racelab list')"));
  }
  if (session.case_binary.empty()) {
    return absl::FailedPreconditionError("cannot find this program's own path in /proc/self/exe");
  }
  RunOptions options;
  options.repeat = session.repeat;
  options.timeout = session.timeout;
  if (session.quiet_period) options.quiet_period = *session.quiet_period;
  options.case_binary = session.case_binary;
  options.project_root = ThisBuild().source_root;
  options.perturb = session.perturb;
  const LockOrderKeep keep(session);
  options.keep_lockorder_dir = keep.dir();

  StopChildrenWhenInterrupted();
  const auto start = std::chrono::steady_clock::now();
  Report report;
  report.build = ThisBuild();
  report.locations_root = options.project_root;
  Plan plan;
  plan.detectors = ActiveDetectors();
  for (const CaseSpec* spec : cases) plan.cases.push_back(spec->Declaration());
  plan.run_one = [&](int case_index, int run, Symbolizer& symbolizer) {
    return RunCatalogCaseOnce(*cases[case_index], options, run, symbolizer);
  };
  RunAndGrade(session, plan, keep, start, report);
  return report;
}

}  // namespace

absl::StatusOr<Report> RunSession(const CaseRegistry& registry, const SessionOptions& options) {
  if (options.program.empty()) return RunCatalogSession(registry, options);
  return options.gtest ? RunGtestSession(options) : RunProgramSession(options);
}

std::string FindPreloadLibrary(const std::string& racelab_binary) {
  if (const char* chosen = std::getenv("RACELAB_PRELOAD_LIBRARY"); chosen != nullptr && *chosen) {
    return chosen;
  }
  // Beside the binary in a build tree; in lib/racelab/ once installed.
  const std::filesystem::path bin = std::filesystem::path(racelab_binary).parent_path();
  for (const std::filesystem::path& candidate :
       {bin / "libracelab_lockorder_preload.so",
        bin.parent_path() / "lib" / "racelab" / "libracelab_lockorder_preload.so"}) {
    std::error_code ignored;
    if (std::filesystem::exists(candidate, ignored)) return candidate.string();
  }
  return "";
}

std::string FindGdb() {
  if (const char* chosen = std::getenv("RACELAB_GDB"); chosen != nullptr && *chosen) {
    return std::string(chosen) == "none" ? "" : chosen;
  }
  for (const char* candidate : {"/usr/bin/gdb", "/usr/local/bin/gdb"}) {
    if (::access(candidate, X_OK) == 0) return candidate;
  }
  return "";
}

}  // namespace racelab
