// Grading (see grade.h).
#include "harness/report/grade.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/model/exit_status.h"
#include "harness/report/finding_message.h"

namespace racelab {
namespace {

using SiteKey = std::tuple<std::string, int, std::string>;  // file, line, function

std::set<SiteKey> SiteSet(const std::vector<Location>& locations) {
  std::set<SiteKey> sites;
  for (const Location& location : locations)
    sites.emplace(location.file, location.line, location.function);
  return sites;
}

// Findings are the same bug when detector, kind and first site agree. The
// rest can differ between reports of one race (which thread pair, whether
// the previous access's stack could be restored), so it is not compared.
// A cycle (lock-order inversion, deadlock) has no first site: which thread
// closed it decides where its report starts, so its sites are compared as a
// set.
bool SameBugAs(Detector detector, FindingKind kind, const std::vector<Location>& locations,
               const ReportedFinding& merged) {
  if (merged.detector != detector || merged.kind != kind) return false;
  if (merged.locations.empty() || locations.empty()) {
    return merged.locations.empty() && locations.empty();
  }
  if (kind == FindingKind::kLockOrderInversion || kind == FindingKind::kDeadlock) {
    return SiteSet(merged.locations) == SiteSet(locations);
  }
  const Location& a = merged.locations.front();
  const Location& b = locations.front();
  return std::tie(a.file, a.line, a.function) == std::tie(b.file, b.line, b.function);
}

bool SameBug(const ReportedFinding& merged, const Finding& finding) {
  return SameBugAs(finding.detector, finding.kind, finding.locations, merged);
}

// What a perturbed run gave, for the outcomes by seed: its observation (if
// any) and the kinds of finding it had, e.g. "reader_saw_new_limit=32; tsan
// data-race", or "...; no finding".
std::string SeedOutcome(const std::string& observed, const std::vector<Finding>& findings) {
  std::set<std::string> kinds;
  for (const Finding& finding : findings) {
    kinds.insert(absl::StrCat(DetectorName(finding.detector), " ", FindingKindName(finding.kind)));
  }
  const std::string found = kinds.empty() ? "no finding" : absl::StrJoin(kinds, ", ");
  return observed.empty() ? found : absl::StrCat(observed, "; ", found);
}

// Merges one run's findings (that run perturbed with `seed`, when it was):
// `count` grows by one per run that had the bug, a new bug keeps the seed,
// and the report with the most sites is kept as its example.
void MergeRun(std::vector<ReportedFinding>& merged, const std::vector<Finding>& findings,
              std::optional<std::uint64_t> seed) {
  std::vector<bool> counted_this_run(merged.size(), false);
  for (const Finding& finding : findings) {
    size_t index = 0;
    while (index < merged.size() && !SameBug(merged[index], finding)) ++index;
    if (index == merged.size()) {
      merged.push_back(ReportedFinding{finding.detector, finding.kind, finding.evidence,
                                       finding.locations, 0, finding.details, seed});
      counted_this_run.push_back(false);
    } else if (finding.locations.size() > merged[index].locations.size()) {
      merged[index].evidence = finding.evidence;
      merged[index].locations = finding.locations;
      merged[index].details = finding.details;
    }
    if (!counted_this_run[index]) {
      ++merged[index].count;
      counted_this_run[index] = true;
    }
  }
}

bool Contains(const std::vector<FindingKind>& kinds, FindingKind kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

// A per-test case whose test passed in some runs and not in others: flaky,
// with the counts in the note ("flaky: passed in 7 of 10 runs, failed in
// 3"); any concurrency finding is listed beside it, which says why.
void NoteFlakiness(CaseResult& result) {
  const auto count = [&](const char* outcome) {
    const auto found = result.outcomes.find(outcome);
    return found == result.outcomes.end() ? 0 : found->second;
  };
  const int passed = count(kTestPassed), failed = count(kTestFailed),
            unfinished = count(kTestDidNotFinish);
  result.flaky = passed > 0 && failed + unfinished > 0;
  if (!result.flaky) return;
  std::vector<std::string> others;
  if (failed > 0) others.push_back(absl::StrCat("failed in ", failed));
  if (unfinished > 0) others.push_back(absl::StrCat("did not finish in ", unfinished));
  result.note = absl::StrCat("flaky: passed in ", passed, " of ", result.runs, " runs, ",
                             absl::StrJoin(others, ", "));
}

}  // namespace

CaseResult GradeCase(const CaseDeclaration& declaration, const std::vector<RunRecord>& runs,
                     const std::vector<Detector>& active) {
  CaseResult result;
  result.declaration = declaration;
  result.runs = static_cast<int>(runs.size());
  const auto add_error = [&](const std::string& error) {
    if (std::find(result.errors.begin(), result.errors.end(), error) == result.errors.end()) {
      result.errors.push_back(error);
    }
  };
  for (const RunRecord& run : runs) {
    result.duration += run.wall;
    if (!run.error.empty()) add_error(run.error);
    if (!run.observed.empty()) ++result.outcomes[run.observed];
    // A correct case still running at its timeout, not blocked, is slow:
    // the machine's fault (or a livelock no detector named), stated as an
    // error of the run rather than counted as a false positive.
    std::vector<Finding> findings;
    for (const Finding& finding : run.findings) {
      if (declaration.expect == Expect::kClean && finding.kind == FindingKind::kTimeout) {
        add_error(absl::StrCat(FindingMessage(finding),
                               " (a correct case that does not finish in time: an overloaded "
                               "machine, or a timeout too short for this build)"));
      } else {
        findings.push_back(finding);
      }
    }
    if (!findings.empty()) ++result.runs_with_findings;
    if (run.seed) {
      result.seeds.push_back(*run.seed);
      result.outcomes_by_seed[*run.seed] = SeedOutcome(run.observed, findings);
    }
    MergeRun(result.findings, findings, run.seed);
    bool detected_here = false;
    for (const Finding& finding : findings) {
      detected_here |= Contains(declaration.bug_kinds, finding.kind);
    }
    if (detected_here) ++result.runs_detected;
  }
  for (ReportedFinding& finding : result.findings) {
    finding.expected =
        declaration.expect == Expect::kBug && Contains(declaration.bug_kinds, finding.kind);
  }

  if (declaration.expect == Expect::kBug) {
    const auto names = [&](const std::vector<Detector>& detectors, bool only_active) {
      std::vector<std::string> out;
      for (Detector detector : detectors) {
        const bool is_active = std::find(active.begin(), active.end(), detector) != active.end();
        if (!only_active || is_active) out.emplace_back(DetectorName(detector));
      }
      return out;
    };
    const std::vector<std::string> every_run = names(declaration.found_by, true);
    const std::vector<std::string> some_runs = names(declaration.sometimes_found_by, true);
    const std::vector<std::string> needed = names(declaration.found_by, false);
    if (every_run.empty() && some_runs.empty()) {
      result.note = absl::StrCat("needs ", absl::StrJoin(needed, " or "), ", not in this build");
    } else if (every_run.empty()) {
      result.note = absl::StrCat(absl::StrJoin(some_runs, " and "),
                                 " sees it only in runs that hit the interleaving; ",
                                 absl::StrJoin(needed, " or "), " would see it in every run");
    }
  }

  SetVerdict(result);
  return result;
}

void SetVerdict(CaseResult& result) {
  if (result.declaration.per_test) NoteFlakiness(result);
  if (!result.errors.empty() || result.runs == 0) {
    result.verdict = Verdict::kError;
  } else if (result.declaration.expect == Expect::kBug) {
    result.verdict = result.runs_detected > 0 ? Verdict::kDetected : Verdict::kMissed;
  } else if (result.runs_with_findings == 0) {
    result.verdict = Verdict::kClean;
  } else {
    result.verdict = result.declaration.per_test ? Verdict::kDetected : Verdict::kFalsePositive;
  }
}

bool SameBug(const ReportedFinding& a, const ReportedFinding& b) {
  return SameBugAs(b.detector, b.kind, b.locations, a);
}

bool IsAsExpected(const CaseResult& result) {
  switch (result.verdict) {
    case Verdict::kDetected:
      return result.declaration.expect == Expect::kBug;
    case Verdict::kClean:
      return true;
    case Verdict::kMissed:
    case Verdict::kFalsePositive:
    case Verdict::kError:
      return false;
  }
  return false;
}

Summary Summarize(const std::vector<CaseResult>& results) {
  Summary summary;
  for (const CaseResult& result : results) {
    ++summary.total;
    if (IsAsExpected(result)) ++summary.as_expected;
    switch (result.verdict) {
      case Verdict::kDetected:
        ++summary.detected;
        break;
      case Verdict::kMissed:
        ++summary.missed;
        break;
      case Verdict::kClean:
        ++summary.clean;
        break;
      case Verdict::kFalsePositive:
        ++summary.false_positives;
        break;
      case Verdict::kError:
        ++summary.errors;
        break;
    }
  }
  return summary;
}

int ExitCodeFor(const Summary& summary) {
  if (summary.errors > 0) return kExitFailure;
  return summary.as_expected == summary.total ? kExitSuccess : kExitFindings;
}

}  // namespace racelab
