// Black-box program runner (see program_runner.h).
#include "harness/runner/program_runner.h"

#include <cctype>
#include <filesystem>
#include <optional>

#include "harness/detectors/detector.h"
#include "harness/detectors/symbolizer.h"
#include "harness/process/child_process.h"
#include "harness/runner/run_collection.h"

namespace racelab {
namespace {

namespace fs = std::filesystem;

RunSubject ProgramSubject(const ProgramTraits& traits, const ProgramRunOptions& options) {
  RunSubject subject;
  subject.kind = RunSubject::Kind::kProgram;
  subject.tsan = traits.tsan;
  subject.asan = traits.asan;
  subject.program = &traits;
  subject.preload_library = options.preload_library;
  subject.gdb = options.gdb;
  subject.expected_exit_code = options.expected_exit_code;
  subject.project_root = options.project_root;
  subject.timeout = options.timeout;
  subject.quiet_period = options.quiet_period;
  subject.perturb = options.perturb;
  subject.gtest_test = options.gtest_test;
  return subject;
}

}  // namespace

std::vector<Detector> ProgramDetectors(const ProgramTraits& traits,
                                       const ProgramRunOptions& options) {
  return ApplicableDetectors(ProgramSubject(traits, options));
}

std::vector<DetectorNote> ProgramDetectorNotes(const ProgramTraits& traits,
                                               const ProgramRunOptions& options) {
  return InapplicableDetectorNotes(ProgramSubject(traits, options));
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

CaseDeclaration GtestDeclaration(const std::string& test, Expect expect,
                                 const std::vector<Detector>& detectors) {
  CaseDeclaration declaration = ProgramDeclaration("test", expect, detectors);
  declaration.pattern = "gtest";
  declaration.variant = test;
  declaration.per_test = true;
  return declaration;
}

std::optional<RunRecord> RunProgramOnce(const std::vector<std::string>& argv,
                                        const CaseDeclaration& declaration,
                                        const ProgramTraits& traits,
                                        const ProgramRunOptions& options, int run,
                                        Symbolizer& symbolizer) {
  const RunSubject subject = ProgramSubject(traits, options);
  RunState state;
  const auto prepare = [&](const std::string& scratch_dir, ChildSpec& child) {
    child.argv = argv;
    child.argv[0] = traits.path;
    PrepareRun(subject, scratch_dir, state, child);
  };
  const auto collect = [&](const ChildOutcome& outcome, const std::string& scratch_dir) {
    return CollectRun(outcome, scratch_dir, subject, state, symbolizer);
  };
  return RunInScratchDir(prepare, collect, options.keep_lockorder_dir,
                         KeptRunPrefix(declaration.pattern, declaration.variant, run + 1));
}

std::vector<RunRecord> RunProgram(const std::vector<std::string>& argv,
                                  const CaseDeclaration& declaration, const ProgramTraits& traits,
                                  const ProgramRunOptions& options) {
  std::vector<RunRecord> records;
  Symbolizer symbolizer;
  for (int run = 0; run < options.repeat && InterruptedBy() == 0; ++run) {
    std::optional<RunRecord> record =
        RunProgramOnce(argv, declaration, traits, options, run, symbolizer);
    if (!record) break;
    records.push_back(*std::move(record));
  }
  return records;
}

}  // namespace racelab
