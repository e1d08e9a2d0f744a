// Grading: the one pure function that turns a case's declaration and the
// records of its runs into a verdict, plus the summary and exit code of a
// whole run. No I/O; any thread.
#ifndef RACELAB_HARNESS_REPORT_GRADE_H_
#define RACELAB_HARNESS_REPORT_GRADE_H_

#include <vector>

#include "harness/model/run_record.h"
#include "harness/report/report.h"

namespace racelab {

// Verdict rules (shared/DESIGN.md): any run the harness could not run →
// error; expect=bug → detected when some run has a finding of a declared bug
// kind, else missed; expect=clean → false-positive when any run has any
// finding, else clean — but a user's own test (per_test) with a finding is
// `detected`: a bug found in the user's code, not in racelab (and not as
// expected, since a test is expected clean). `active` only feeds the note on a case this build
// cannot detect, or can detect only in some runs.
CaseResult GradeCase(const CaseDeclaration& declaration, const std::vector<RunRecord>& runs,
                     const std::vector<Detector>& active);

// The verdict of a result whose counts, errors and outcomes are complete
// (GradeCase's last step; racelab merge's on results it added up), and the
// flakiness of a per-test case.
void SetVerdict(CaseResult& result);

// Whether two reported findings are the same bug: the same detector, kind
// and first site, or for a cycle the same set of sites (what GradeCase
// merges runs' findings by).
bool SameBug(const ReportedFinding& a, const ReportedFinding& b);

// True for a catalog case detected or clean as declared; false for a
// user's test with findings (detected, expected clean), a miss, a false
// positive or an error.
bool IsAsExpected(const CaseResult& result);

Summary Summarize(const std::vector<CaseResult>& results);

// kExitSuccess when everything is as expected; kExitFailure when any case
// is an error (the harness could not do its job); otherwise kExitFindings
// (harness/model/exit_status.h).
int ExitCodeFor(const Summary& summary);

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_GRADE_H_
