// The case model: one variant of one threading pattern, with its declared
// expectation, its body and its optional oracle. Cases are plain data built
// once at static-initialisation time and read-only afterwards, so any thread
// may read a CaseSpec once registration is over.
#ifndef RACELAB_HARNESS_CATALOG_CASE_SPEC_H_
#define RACELAB_HARNESS_CATALOG_CASE_SPEC_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "harness/model/finding.h"
#include "harness/model/run_record.h"

namespace racelab {

// What one run of a body observed, handed to the oracle and reported.
struct Observation {
  std::string summary;               // short and stable, e.g. "counter=39412"
  std::vector<std::int64_t> values;  // the raw numbers the oracle checks
};

// Runs the pattern once, in the child process, and returns what it saw.
using CaseBody = std::function<Observation()>;
// Checks the case's invariant on an observation: OkStatus when it holds,
// otherwise an error whose message says what was seen instead.
using CaseOracle = std::function<absl::Status(const Observation&)>;

struct CaseSpec {
  std::string pattern;  // [a-z0-9_]+, the folder under cases/
  std::string variant;  // "racy", "racy_<how>", or the fix's name
  Expect expect = Expect::kClean;
  std::string title;  // one line: what this variant does
  // Racy variants only: a finding of any of these kinds counts as detection.
  // `found_by` detectors find the bug in every run; `sometimes_found_by`
  // ones only in the runs where the bad interleaving really happens (an
  // oracle watching for lost updates, say), so they are held to a budget of
  // runs instead. A preset where none of either is active cannot detect the
  // case and says so.
  std::vector<FindingKind> bug_kinds;
  std::vector<Detector> found_by;
  std::vector<Detector> sometimes_found_by;
  // Per-run wall-clock limit; zero means the runner's default.
  absl::Duration timeout = absl::ZeroDuration();
  // Every run of this case gets a seeded schedule (`racelab run --perturb`),
  // asked for or not: its bug shows in no natural schedule.
  bool perturbed = false;
  CaseBody body;
  CaseOracle oracle;  // optional
  // Where the case is registered (CaseRegistrar fills them in): a bad
  // registration is named by its file and line.
  std::string source_file;
  int source_line = 0;

  // "pattern/variant".
  std::string Id() const { return pattern + "/" + variant; }

  // What grading needs to know about this case.
  CaseDeclaration Declaration() const {
    return CaseDeclaration{pattern, variant, expect, bug_kinds, found_by, sometimes_found_by};
  }
};

// Checks a spec on its own: id syntax, racy variants declare kinds and
// detectors, correct ones declare none, a body is present. Returns
// InvalidArgument naming the case and the problem.
absl::Status ValidateCaseSpec(const CaseSpec& spec);

// True for a non-empty string of [a-z0-9_].
bool IsValidIdPart(absl::string_view part);

}  // namespace racelab

#endif  // RACELAB_HARNESS_CATALOG_CASE_SPEC_H_
