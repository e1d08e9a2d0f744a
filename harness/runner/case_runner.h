// Runs catalog cases: each run of a case is its own child process (the case
// binary re-executed with `__child <id>`), under the watchdog, with
// ThreadSanitizer's output and the lock-order checker's records sent to a
// per-run scratch directory, which run_collection.h turns into a RunRecord
// of findings. Detection only: no grading, no printing. Any thread (a
// RunOptions is only read).
#ifndef RACELAB_HARNESS_RUNNER_CASE_RUNNER_H_
#define RACELAB_HARNESS_RUNNER_CASE_RUNNER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "harness/catalog/case_spec.h"
#include "harness/detectors/symbolizer.h"
#include "harness/detectors/watchdog.h"
#include "harness/model/run_record.h"
#include "harness/schedule/perturbation.h"

namespace racelab {

struct RunOptions {
  int repeat = 1;
  std::optional<absl::Duration> timeout;              // overrides every case's own
  absl::Duration default_timeout = absl::Seconds(5);  // for cases that set none
  // A run whose threads all stay blocked this long, none of them running, is
  // a hang (the timeout is only a backstop).
  absl::Duration quiet_period = kDefaultQuietPeriod;
  std::string case_binary;   // executable that understands `__child <id> <result-file>`
  std::string project_root;  // source root; locations are made relative to it
  // When set, every run's lock-order record files are kept here, named
  // <pattern>.<variant>.run<N>.<pid>.lockorder (for racelab-lockorder report).
  std::string keep_lockorder_dir;
  std::optional<schedule::Perturbation> perturb;  // --perturb: seeded schedules
};

// The wall-clock limit one run of `spec` gets under `options`.
absl::Duration EffectiveTimeout(const CaseSpec& spec, const RunOptions& options);

// Runs `spec` once, as its run number `run` (0-based: the kept record
// files are named after it). nullopt when racelab was interrupted. Runs of
// cases may go on in several threads at once, each with its own
// `symbolizer`.
std::optional<RunRecord> RunCatalogCaseOnce(const CaseSpec& spec, const RunOptions& options,
                                            int run, Symbolizer& symbolizer);

// Runs `spec` options.repeat times and returns one record per run.
// `symbolizer` resolves lock-order sites: share one across cases, so that
// each module's addr2line starts once.
std::vector<RunRecord> RunCatalogCase(const CaseSpec& spec, const RunOptions& options,
                                      Symbolizer& symbolizer);

}  // namespace racelab

#endif  // RACELAB_HARNESS_RUNNER_CASE_RUNNER_H_
