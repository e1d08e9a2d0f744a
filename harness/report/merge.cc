// Shard reports joined into one (see merge.h).
#include "harness/report/merge.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/report/grade.h"

namespace racelab {
namespace {

std::string BuildText(const BuildInfo& build) {
  return absl::StrCat(build.preset, ", ", build.compiler, ", sanitizer ", build.sanitizer);
}

// Why `b` cannot be merged with `a`, or "" when it can.
std::string Mismatch(const NamedReport& a, const NamedReport& b) {
  const Report& x = a.report;
  const Report& y = b.report;
  if (x.build.preset != y.build.preset || x.build.compiler != y.build.compiler ||
      x.build.sanitizer != y.build.sanitizer) {
    return absl::StrCat("'", a.name, "' is from build ", BuildText(x.build), ", '", b.name,
                        "' from build ", BuildText(y.build));
  }
  if (x.program != y.program) {
    const auto command = [](const Report& report) {
      return report.program.empty() ? std::string("the catalog")
                                    : absl::StrCat("'", absl::StrJoin(report.program, " "), "'");
    };
    return absl::StrCat("'", a.name, "' ran ", command(x), ", '", b.name, "' ran ", command(y));
  }
  if (x.shard_count != y.shard_count) {
    return absl::StrCat("'", a.name, "' is a shard of ", x.shard_count, ", '", b.name, "' of ",
                        y.shard_count);
  }
  if (x.shard_count > 1 && x.shard_index == y.shard_index) {
    return absl::StrCat("'", a.name, "' and '", b.name, "' are both shard ", x.shard_index, " of ",
                        x.shard_count);
  }
  return "";
}

// Adds `more` (the same case, from another shard) into `into`.
void AddCase(CaseResult& into, const CaseResult& more) {
  into.runs += more.runs;
  into.runs_with_findings += more.runs_with_findings;
  into.runs_detected += more.runs_detected;
  into.duration += more.duration;
  for (const ReportedFinding& finding : more.findings) {
    auto same = std::find_if(into.findings.begin(), into.findings.end(),
                             [&](const ReportedFinding& have) { return SameBug(have, finding); });
    if (same == into.findings.end()) {
      into.findings.push_back(finding);
    } else {
      same->count += finding.count;
      if (!same->seed) same->seed = finding.seed;
      if (finding.locations.size() > same->locations.size()) {
        same->evidence = finding.evidence;
        same->locations = finding.locations;
        same->details = finding.details;
      }
    }
  }
  for (const auto& [observed, runs] : more.outcomes) into.outcomes[observed] += runs;
  into.seeds.insert(into.seeds.end(), more.seeds.begin(), more.seeds.end());
  into.outcomes_by_seed.insert(more.outcomes_by_seed.begin(), more.outcomes_by_seed.end());
  for (const std::string& error : more.errors) {
    if (std::find(into.errors.begin(), into.errors.end(), error) == into.errors.end()) {
      into.errors.push_back(error);
    }
  }
}

}  // namespace

absl::StatusOr<Report> MergeReports(const std::vector<NamedReport>& reports) {
  if (reports.empty()) return absl::InvalidArgumentError("no report to merge");
  for (size_t i = 1; i < reports.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (std::string why = Mismatch(reports[j], reports[i]); !why.empty()) {
        return absl::FailedPreconditionError(absl::StrCat("cannot merge: ", why));
      }
    }
  }
  const Report& first = reports.front().report;
  Report merged;
  merged.build = first.build;
  merged.program = first.program;
  merged.detector_notes = first.detector_notes;
  merged.locations_root = first.locations_root;
  // Shards ran side by side: the merged run took as long as the longest.
  std::map<std::string, size_t> by_id;
  std::set<int> shards;
  std::vector<std::string> incomplete;
  for (const NamedReport& named : reports) {
    const Report& report = named.report;
    merged.duration = std::max(merged.duration, report.duration);
    shards.insert(report.shard_index);
    if (!report.complete)
      incomplete.push_back(absl::StrCat(named.name, ": ", report.incomplete_reason));
    for (const CaseResult& result : report.results) {
      const std::string id = result.declaration.Id();
      if (auto found = by_id.find(id); found != by_id.end()) {
        AddCase(merged.results[found->second], result);
      } else {
        by_id[id] = merged.results.size();
        merged.results.push_back(result);
      }
    }
  }
  // Back in the session's order (a report without indexes keeps its own).
  std::stable_sort(merged.results.begin(), merged.results.end(),
                   [](const CaseResult& a, const CaseResult& b) { return a.index < b.index; });
  for (CaseResult& result : merged.results) {
    result.index = -1;
    for (ReportedFinding& finding : result.findings) {
      finding.expected = result.declaration.expect == Expect::kBug &&
                         std::count(result.declaration.bug_kinds.begin(),
                                    result.declaration.bug_kinds.end(), finding.kind) != 0;
    }
    SetVerdict(result);
  }
  if (first.shard_count > 1 && static_cast<int>(shards.size()) < first.shard_count) {
    std::vector<int> missing;
    for (int index = 0; index < first.shard_count; ++index) {
      if (shards.count(index) == 0) missing.push_back(index);
    }
    incomplete.push_back(absl::StrCat("shard", missing.size() == 1 ? " " : "s ",
                                      absl::StrJoin(missing, ", "), " of ", first.shard_count,
                                      " not merged"));
  }
  merged.complete = incomplete.empty();
  merged.incomplete_reason = absl::StrJoin(incomplete, "; ");
  merged.summary = Summarize(merged.results);
  return merged;
}

}  // namespace racelab
