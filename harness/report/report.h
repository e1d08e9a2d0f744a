// The report model: graded results of a whole `racelab run`, as plain data.
// Built once by grading, then only read by the writers (console, JSON, ...).
#ifndef RACELAB_HARNESS_REPORT_REPORT_H_
#define RACELAB_HARNESS_REPORT_REPORT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "harness/model/build_info.h"
#include "harness/model/detector_note.h"
#include "harness/model/finding.h"
#include "harness/model/lock_order_graph.h"
#include "harness/model/run_record.h"

namespace racelab {

// One bug as reported over several runs: findings with the same detector,
// kind and first site are merged.
struct ReportedFinding {
  Detector detector = Detector::kCrash;
  FindingKind kind = FindingKind::kOther;
  Evidence evidence;  // of the merged report with the most sites
  std::vector<Location> locations;
  int count = 0;        // runs in which it was found
  std::string details;  // Finding::details of the example kept
  // The schedule seed of the first run that showed it (--perturb).
  std::optional<std::uint64_t> seed;
  // Set by grading: a finding of a declared bug kind in an expect=bug case
  // (what a racy variant is there to produce), not a problem to fix.
  bool expected = false;
};

struct CaseResult {
  CaseDeclaration declaration;
  Verdict verdict = Verdict::kError;
  int runs = 0;
  int runs_with_findings = 0;
  int runs_detected = 0;  // runs with a finding of a declared bug kind
  absl::Duration duration;
  std::vector<ReportedFinding> findings;
  std::map<std::string, int> outcomes;  // observed summary → runs that saw it
  // Perturbed runs (--perturb): each run's schedule seed, in run order, and
  // the outcome each seed gave (seed → observed summary; a run that
  // observed nothing is left out).
  std::vector<std::uint64_t> seeds;
  std::map<std::uint64_t, std::string> outcomes_by_seed;
  std::vector<std::string> errors;  // why runs could not be run or read (distinct)
  std::string note;                 // e.g. "needs tsan, which this build lacks"
  // A per-test case (--gtest) whose test passed in some runs and failed or
  // did not finish in others; `outcomes` has the counts, `note` says them.
  bool flaky = false;
  // The case's place among its session's cases (a shard's report holds
  // some of them; racelab merge puts them back in order).
  int index = -1;
};

struct Summary {
  int total = 0;
  int as_expected = 0;  // "passed"
  // "failed": every case not as expected (missed, false positive, error).
  int failed() const { return total - as_expected; }
  int detected = 0;
  int missed = 0;
  int clean = 0;
  int false_positives = 0;
  int errors = 0;
};

struct Report {
  BuildInfo build;
  // False when the run was cut short (SIGINT, SIGTERM): `results` then holds
  // only the cases that finished, and `incomplete_reason` says why.
  bool complete = true;
  std::string incomplete_reason;
  std::vector<std::string> program;  // black-box mode: the command that was run
  // Black-box mode: each detector that cannot see the program, and why.
  std::vector<DetectorNote> detector_notes;
  // The directory that locations' relative file names are relative to: the
  // source root for catalog runs, the working directory in black-box mode.
  std::string locations_root;
  // Case id → the lock-order graph of its first run, when it was kept (the
  // HTML report draws it).
  std::map<std::string, LockOrderAnalysis> lock_graphs;
  absl::Duration duration;
  // The part of the cases × repeats this report holds (--shard I/N); 0 of 1:
  // all of them. A merged report (racelab merge) holds all again.
  int shard_index = 0;
  int shard_count = 1;
  std::vector<CaseResult> results;
  Summary summary;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_REPORT_H_
