// The report model: graded results of a whole `racelab run`, as plain data.
// Built once by grading, then only read by the writers (console, JSON, ...).
#ifndef RACELAB_HARNESS_REPORT_REPORT_H_
#define RACELAB_HARNESS_REPORT_REPORT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "harness/model/build_info.h"
#include "harness/model/finding.h"
#include "harness/model/run_record.h"

namespace racelab {

// Equal findings from several runs, merged: same detector, kind and sites.
struct ReportedFinding {
  Detector detector = Detector::kCrash;
  FindingKind kind = FindingKind::kOther;
  std::string message;  // from the first run that produced it
  std::vector<Location> locations;
  int count = 0;        // occurrences over all runs
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
  std::vector<std::string> errors;      // why runs could not be run or read
  std::string note;                     // e.g. "needs tsan, which this build lacks"
};

struct Summary {
  int total = 0;
  int as_expected = 0;
  int detected = 0;
  int missed = 0;
  int clean = 0;
  int false_positives = 0;
  int errors = 0;
};

struct Report {
  BuildInfo build;
  absl::Duration duration;
  std::vector<CaseResult> results;
  Summary summary;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_REPORT_H_
