// Black-box mode: runs any program as a case (`racelab run -- PROGRAM`).
// Each run is its own process group under the watchdog, with the lock-order
// preload library, the sanitizer logs sent to a scratch directory (however
// the program redirects its stderr), and, on a timeout, the preload
// library's wait-for dump and every thread's stack from gdb before the
// group is killed. Detection only: no grading, no printing.
#ifndef RACELAB_HARNESS_RUNNER_PROGRAM_RUNNER_H_
#define RACELAB_HARNESS_RUNNER_PROGRAM_RUNNER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "harness/detectors/symbolizer.h"
#include "harness/detectors/watchdog.h"
#include "harness/model/run_record.h"
#include "harness/runner/program_inspection.h"
#include "harness/schedule/perturbation.h"

namespace racelab {

struct ProgramRunOptions {
  int repeat = 1;
  absl::Duration timeout = absl::Seconds(10);
  absl::Duration quiet_period = kDefaultQuietPeriod;  // see RunOptions::quiet_period
  std::string project_root;                           // locations inside it are made relative to it
  std::string preload_library;                        // libracelab_lockorder_preload.so; "" = none
  std::string gdb;                                // gdb to collect stacks on a timeout; "" = none
  std::string keep_lockorder_dir;                 // as RunOptions::keep_lockorder_dir
  int expected_exit_code = 0;                     // any other exit status is an exit-status finding
  std::optional<schedule::Perturbation> perturb;  // --perturb: seeded schedules
  // --gtest: the one GoogleTest test each run runs ("Suite.Name"; the
  // caller puts its --gtest_filter in argv); "" = a program of its own.
  std::string gtest_test;
};

// The detectors that apply to a program with `traits` under `options`.
std::vector<Detector> ProgramDetectors(const ProgramTraits& traits,
                                       const ProgramRunOptions& options);

// The case a black-box run is graded as: id `program/<file name>` (reduced
// to [a-z0-9_]), expecting `expect`; with expect=bug any finding counts.
CaseDeclaration ProgramDeclaration(const std::string& program, Expect expect,
                                   const std::vector<Detector>& detectors);

// The case one GoogleTest test is graded as (--gtest): id `gtest/<test>`,
// the test's full name as GoogleTest lists it ("Suite.Name").
CaseDeclaration GtestDeclaration(const std::string& test, Expect expect,
                                 const std::vector<Detector>& detectors);

// Why each detector racelab usually has that cannot see this program does
// not, what that hides and what to change (none when all apply).
std::vector<DetectorNote> ProgramDetectorNotes(const ProgramTraits& traits,
                                               const ProgramRunOptions& options);

// Runs `argv` once, as run number `run` (0-based), resolving sites with
// `symbolizer` (one per thread when runs go on at once). nullopt when
// racelab was interrupted.
std::optional<RunRecord> RunProgramOnce(const std::vector<std::string>& argv,
                                        const CaseDeclaration& declaration,
                                        const ProgramTraits& traits,
                                        const ProgramRunOptions& options, int run,
                                        Symbolizer& symbolizer);

// Runs `argv` (argv[0] already inspected into `traits`) options.repeat times
// and returns one record per run. Stops early once racelab is interrupted.
// Lock-order records kept in options.keep_lockorder_dir are named after
// `declaration` (see KeptRunPrefix).
std::vector<RunRecord> RunProgram(const std::vector<std::string>& argv,
                                  const CaseDeclaration& declaration, const ProgramTraits& traits,
                                  const ProgramRunOptions& options);

}  // namespace racelab

#endif  // RACELAB_HARNESS_RUNNER_PROGRAM_RUNNER_H_
