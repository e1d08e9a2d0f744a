// racelab — the command-line entry point. Parses flags and wires the
// libraries: registry → runner → grading → writers. Owns no logic of its own
// beyond choosing what to call and which exit code to return.
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/catalog/case_child.h"
#include "harness/catalog/registry.h"
#include "harness/model/build_info.h"
#include "harness/report/atomic_file.h"
#include "harness/report/console_writer.h"
#include "harness/report/grade.h"
#include "harness/report/json_writer.h"
#include "harness/report/junit_writer.h"
#include "harness/runner/case_runner.h"
#include "harness/runner/child_process.h"
#include "tools/racelab/cli_flags.h"

namespace racelab {
namespace {

constexpr int kExitUsage = 2;

int Fail(absl::string_view message) {
  std::cerr << "racelab: " << message << "\n";
  return kExitUsage;
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
  return 0;
}

// The binary to re-execute for each run: this very file.
std::string SelfPath() {
  std::vector<char> buffer(4096);
  const ssize_t n = ::readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
  return n > 0 ? std::string(buffer.data(), static_cast<size_t>(n)) : "";
}

int Run(const CaseRegistry& registry, const Command& command) {
  if (!command.program.empty()) {
    return Fail(absl::StrCat("running a program of your own ('-- ", command.program[0],
                             "') is not available in this version; run catalog cases instead"));
  }
  std::vector<const CaseSpec*> cases = registry.Matching(command.filter);
  if (cases.empty()) {
    return Fail(absl::StrCat("no case id matches --filter '", command.filter, "' (see 'racelab list')"));
  }
  RunOptions options;
  options.repeat = command.repeat;
  options.timeout = command.timeout;
  options.case_binary = SelfPath();
  options.project_root = ThisBuild().source_root;
  options.keep_lockorder_dir = command.lockorder_dir;
  if (options.case_binary.empty()) return Fail("cannot find this program's own path in /proc/self/exe");

  KillChildrenWhenInterrupted();
  const auto start = std::chrono::steady_clock::now();
  Report report;
  report.build = ThisBuild();
  const std::vector<Detector> active = ActiveDetectors();
  for (const CaseSpec* spec : cases) {
    report.results.push_back(GradeCase(spec->Declaration(), RunCatalogCase(*spec, options), active));
  }
  report.duration = absl::FromChrono(std::chrono::steady_clock::now() - start);
  report.summary = Summarize(report.results);

  std::cout << FormatConsoleReport(report) << std::flush;
  // Every report is attempted; one that cannot be written does not cost the others.
  std::vector<std::string> unwritten;
  for (const auto& [path, format] :
       {std::pair{command.json_path, &FormatJsonReport}, {command.junit_path, &FormatJunitReport}}) {
    if (path.empty()) continue;
    if (absl::Status written = WriteFileAtomically(path, format(report)); !written.ok()) {
      unwritten.emplace_back(written.message());
    }
  }
  if (!unwritten.empty()) return Fail(absl::StrJoin(unwritten, "; "));
  return ExitCodeFor(report.summary);
}

int Child(const CaseRegistry& registry, const Command& command) {
  // Die with the runner: a child whose runner was killed outright must not
  // go on (a deadlocked case would otherwise live forever).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (absl::Status status = RunCaseInChild(registry, command.child_case_id, command.child_result_path);
      !status.ok()) {
    return Fail(status.message());
  }
  return 0;
}

int Main(int argc, char** argv) {
  absl::StatusOr<Command> command = ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (!command.ok()) return Fail(command.status().message());
  const CaseRegistry& registry = CaseRegistry::Global();
  switch (command->verb) {
    case Command::Verb::kHelp:
      std::cout << UsageText();
      return 0;
    case Command::Verb::kList: return List(registry);
    case Command::Verb::kRun: return Run(registry, *command);
    case Command::Verb::kChild: return Child(registry, *command);
  }
  return kExitUsage;
}

}  // namespace
}  // namespace racelab

int main(int argc, char** argv) { return racelab::Main(argc, argv); }
