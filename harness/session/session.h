// A session: what `racelab run` does between parsing its flags and writing
// its reports. The catalog cases a filter selects (or one program of the
// user's, black-box mode, or each test of a GoogleTest binary, --gtest) run
// under every detector that applies, each run in its own child process,
// and are graded into one Report; the lock-order
// graph of each case's first run joins the report when asked for. Stops
// early, with the report marked incomplete, once racelab is interrupted.
// Prints nothing: progress is reported through a callback. Runs go on in
// `jobs` threads (parallel_runs.h); the callback is called from them, one
// call at a time.
#ifndef RACELAB_HARNESS_SESSION_SESSION_H_
#define RACELAB_HARNESS_SESSION_SESSION_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "harness/catalog/registry.h"
#include "harness/detectors/watchdog.h"
#include "harness/report/report.h"
#include "harness/schedule/perturbation.h"
#include "harness/session/parallel_runs.h"

namespace racelab {

struct SessionOptions {
  // What runs: the catalog cases whose id matches `filter` (empty: all), or,
  // when `program` is set, that program as the one case.
  std::string filter;
  std::vector<std::string> program;
  bool expect_bug = false;     // a program: what it should produce
  int expected_exit_code = 0;  // a program: any other exit status is a finding
  // --gtest: `program` is a GoogleTest binary, and each of its tests that
  // `gtest_filter` selects (GoogleTest's syntax; "" = all) is a case.
  bool gtest = false;
  std::string gtest_filter;
  // How.
  int repeat = 1;
  int jobs = 1;                           // runs at once (--jobs)
  Shard shard;                            // this process's part of the cases × repeats (--shard)
  std::optional<absl::Duration> timeout;  // per run; default: the case's own
  std::optional<absl::Duration> quiet_period;  // blocked this long = hung
  // Where the lock-order record files are kept ("" = removed with each run).
  std::string lockorder_dir;
  // Whether the report gets each case's lock-order graph (the HTML page
  // draws them); record files then go to a temporary directory when
  // `lockorder_dir` is not set.
  bool lock_graphs = false;
  // The racelab binary itself, re-executed for each catalog run.
  std::string case_binary;
  std::string preload_library;  // the lock-order preload library; "" = none
  std::string gdb;              // for every thread's stack of a hung run; "" = none
  std::optional<schedule::Perturbation> perturb;  // --perturb: seeded schedules
  // Called as each case starts: (index, total, case id, elapsed).
  std::function<void(int, int, const std::string&, absl::Duration)> on_case_start;
};

// Runs the session. Errors (a filter that matches nothing, a program that
// cannot be inspected) come back before anything has run.
absl::StatusOr<Report> RunSession(const CaseRegistry& registry, const SessionOptions& options);

// The lock-order preload library: $RACELAB_PRELOAD_LIBRARY, else the one
// built next to `racelab_binary`, else the one installed with it
// (../lib/racelab/); "" when there is none.
std::string FindPreloadLibrary(const std::string& racelab_binary);

// gdb, for every thread's stack on a hang; "" when it is not installed.
// RACELAB_GDB names another one, or turns it off with "none".
std::string FindGdb();

}  // namespace racelab

#endif  // RACELAB_HARNESS_SESSION_SESSION_H_
