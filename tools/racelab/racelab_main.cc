// racelab — the command-line entry point. Parses flags (cli_flags.h), runs a
// session (harness/session) and hands its report to the console writer and
// the report files asked for. Owns no logic of its own beyond choosing what
// to call and which exit code to return.
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/catalog/case_child.h"
#include "harness/catalog/registry.h"
#include "harness/model/exit_status.h"
#include "harness/process/graphviz.h"
#include "harness/report/console_writer.h"
#include "harness/report/grade.h"
#include "harness/report/json_reader.h"
#include "harness/report/merge.h"
#include "harness/report/progress_line.h"
#include "harness/report/report_file.h"
#include "harness/report/report_format.h"
#include "harness/session/session.h"
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
    const std::string expected = kinds.empty() ? "-"
                                               : absl::StrCat(absl::StrJoin(kinds, ","), " (",
                                                              absl::StrJoin(detectors, ","), ")");
    absl::PrintF("%-*s  %-6s  %-40s  %s%s\n", static_cast<int>(width), spec->Id(),
                 ExpectName(spec->expect), expected, spec->title,
                 spec->perturbed ? " (always run with seeded schedules)" : "");
  }
  return kExitSuccess;
}

// The binary to re-execute for each run: this very file.
std::string SelfPath() {
  std::vector<char> buffer(4096);
  const ssize_t n = ::readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
  return n > 0 ? std::string(buffer.data(), static_cast<size_t>(n)) : "";
}

bool ReportsToStandardOutput(const Command& command) {
  for (const auto& [format, path] : command.report_paths) {
    if (path == kStandardOutputPath) return true;
  }
  return false;
}

// Prints the console report, writes every report file asked for and
// returns the exit code.
int Finish(const Report& report, const Command& command) {
  // A report sent to standard output ("-") keeps it for itself: the table
  // goes to standard error then.
  const bool to_stderr = ReportsToStandardOutput(command);
  std::ostream& console = to_stderr ? std::cerr : std::cout;
  console << FormatConsoleReport(report, ConsoleStyle{IsInteractive(to_stderr ? stderr : stdout)})
          << std::flush;
  if (absl::Status written =
          WriteReports(report, command.report_paths, WriterOptions{&RenderDotToSvg});
      !written.ok()) {
    return Fail(written.message());
  }
  if (!report.complete)
    return Fail(absl::StrCat(report.incomplete_reason, ": reports hold the ", report.results.size(),
                             " finished cases"));
  return ExitCodeFor(report.summary);
}

// The shard this process runs: --shard, else GoogleTest's sharding
// variables (as Bazel and ctest scripts set them), else the whole.
absl::StatusOr<Shard> ChosenShard(const Command& command) {
  std::optional<std::pair<int, int>> chosen = command.shard;
  const char* total = std::getenv("GTEST_TOTAL_SHARDS");
  const char* index = std::getenv("GTEST_SHARD_INDEX");
  if (!chosen && (total != nullptr || index != nullptr)) {
    if (total == nullptr || index == nullptr) {
      return absl::InvalidArgumentError(
          "GTEST_TOTAL_SHARDS and GTEST_SHARD_INDEX must be set together");
    }
    absl::StatusOr<std::pair<int, int>> from_environment =
        ParseShard(absl::StrCat(index, "/", total));
    if (!from_environment.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS ",
                                                     from_environment.status().message()));
    }
    chosen = *from_environment;
  }
  Shard shard;
  if (chosen) shard = Shard{chosen->first, chosen->second};
  return shard;
}

// GTEST_SHARD_STATUS_FILE, when set, is created (never truncated): it tells
// Bazel's test runner that this test runner shards.
absl::Status TouchShardStatusFile() {
  const char* path = std::getenv("GTEST_SHARD_STATUS_FILE");
  if (path == nullptr || *path == '\0') return absl::OkStatus();
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create GTEST_SHARD_STATUS_FILE '", path, "': ", std::strerror(errno)));
  }
  ::close(fd);
  return absl::OkStatus();
}

int Run(const CaseRegistry& registry, const Command& command) {
  absl::StatusOr<Shard> shard = ChosenShard(command);
  if (!shard.ok()) return Fail(shard.status().message());
  if (absl::Status touched = TouchShardStatusFile(); !touched.ok()) return Fail(touched.message());
  SessionOptions options;
  options.shard = *shard;
  options.jobs = command.jobs.value_or(UsableCpus());
  options.filter = command.filter;
  options.program = command.program;
  options.expect_bug = command.expect_bug;
  options.expected_exit_code = command.exit_code;
  options.gtest = command.gtest;
  options.gtest_filter = command.gtest_filter;
  options.repeat = command.repeat;
  options.timeout = command.timeout;
  options.quiet_period = command.quiet_period;
  options.lockorder_dir = command.lockorder_dir;
  if (command.perturb)
    options.perturb = schedule::Perturbation{command.perturb_depth, command.seed};
  options.lock_graphs = command.report_paths.count("html") != 0;  // the page draws them
  options.case_binary = SelfPath();
  options.preload_library = FindPreloadLibrary(options.case_binary);
  options.gdb = FindGdb();
  absl::StatusOr<Report> report;
  {
    ProgressLine progress(IsInteractive(stderr));
    options.on_case_start = [&progress](int index, int total, const std::string& id,
                                        absl::Duration elapsed) {
      progress.Show(index, total, id, elapsed);
    };
    report = RunSession(registry, options);
  }
  if (!report.ok()) return Fail(report.status().message());
  return Finish(*report, command);
}

// `racelab merge`: the shards' JSON reports read, merged, and written as
// a run's report would be (the console table and the report files).
int Merge(const Command& command) {
  std::vector<NamedReport> reports;
  for (const std::string& path : command.merge_inputs) {
    std::ifstream in(path);
    if (!in) return Fail(absl::StrCat("cannot read '", path, "': ", std::strerror(errno)));
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<Report> report = ParseJsonReport(text.str());
    if (!report.ok()) {
      return Fail(
          absl::StrCat("'", path, "' is not a racelab JSON report: ", report.status().message()));
    }
    reports.push_back(NamedReport{path, *std::move(report)});
  }
  absl::StatusOr<Report> merged = MergeReports(reports);
  if (!merged.ok()) return Fail(merged.status().message());
  return Finish(*merged, command);
}

int Child(const CaseRegistry& registry, const Command& command) {
  // Die with the runner: a child whose runner was killed outright must not
  // go on (a deadlocked case would otherwise live forever).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (absl::Status status =
          RunCaseInChild(registry, command.child_case_id, command.child_result_path);
      !status.ok()) {
    return Fail(status.message());
  }
  return kExitSuccess;
}

int Main(int argc, char** argv) {
  absl::StatusOr<Command> command =
      ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (!command.ok()) return Fail(command.status().message());
  const CaseRegistry& registry = CaseRegistry::Global();
  switch (command->verb) {
    case Command::Verb::kHelp:
      std::cout << UsageText();
      return kExitSuccess;
    case Command::Verb::kList:
      return List(registry);
    case Command::Verb::kRun:
      // Before anything runs: two reports into one file would leave only one.
      if (absl::Status distinct =
              CheckDistinctReportPaths(ReportFlagsAndPaths(command->report_paths));
          !distinct.ok()) {
        return Fail(distinct.message());
      }
      return Run(registry, *command);
    case Command::Verb::kMerge:
      if (absl::Status distinct =
              CheckDistinctReportPaths(ReportFlagsAndPaths(command->report_paths));
          !distinct.ok()) {
        return Fail(distinct.message());
      }
      return Merge(*command);
    case Command::Verb::kChild:
      return Child(registry, *command);
  }
  return kExitFailure;
}

}  // namespace
}  // namespace racelab

int main(int argc, char** argv) { return racelab::Main(argc, argv); }
