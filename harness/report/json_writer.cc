// JSON report rendering (see json_writer.h). Uses nlohmann::json, which does
// the escaping and number formatting we would otherwise write by hand.
#include "harness/report/json_writer.h"

#include <nlohmann/json.hpp>

#include "harness/report/finding_message.h"

namespace racelab {
namespace {

using json = nlohmann::ordered_json;

double SecondsToTheMillisecond(absl::Duration duration) {
  // Three decimals keep reports readable and diffs small.
  return static_cast<double>(absl::ToInt64Milliseconds(duration)) / 1000.0;
}

json LocationJson(const Location& location) {
  json out = {{"file", location.file}, {"line", location.line}, {"function", location.function}};
  if (!location.thread.empty()) out["thread"] = location.thread;
  if (!location.role.empty()) out["role"] = location.role;
  return out;
}

json FindingJson(const ReportedFinding& finding) {
  json locations = json::array();
  for (const Location& location : finding.locations) locations.push_back(LocationJson(location));
  json out = {{"detector", DetectorName(finding.detector)},
              {"kind", FindingKindName(finding.kind)},
              {"count", finding.count},
              {"message", FindingMessage(finding)},
              {"locations", std::move(locations)}};
  if (!finding.details.empty()) out["details"] = finding.details;
  if (finding.seed) out["seed"] = *finding.seed;
  return out;
}

json ResultJson(const CaseResult& result, bool sharded) {
  const CaseDeclaration& declaration = result.declaration;
  json findings = json::array();
  for (const ReportedFinding& finding : result.findings) findings.push_back(FindingJson(finding));
  json bug_kinds = json::array();
  for (FindingKind kind : declaration.bug_kinds) bug_kinds.push_back(FindingKindName(kind));
  const auto detector_names = [](const std::vector<Detector>& detectors) {
    json names = json::array();
    for (Detector detector : detectors) names.push_back(DetectorName(detector));
    return names;
  };
  json outcomes = json::object();
  for (const auto& [observed, runs] : result.outcomes) outcomes[observed] = runs;
  json out = {{"id", declaration.Id()},
              {"pattern", declaration.pattern},
              {"variant", declaration.variant},
              {"expect", ExpectName(declaration.expect)},
              {"verdict", VerdictName(result.verdict)},
              {"runs", result.runs},
              {"runs_with_findings", result.runs_with_findings},
              {"runs_detected", result.runs_detected},
              {"duration_s", SecondsToTheMillisecond(result.duration)},
              {"bug_kinds", std::move(bug_kinds)},
              {"found_by", detector_names(declaration.found_by)},
              {"sometimes_found_by", detector_names(declaration.sometimes_found_by)},
              {"findings", std::move(findings)},
              {"outcomes", std::move(outcomes)}};
  if (!result.seeds.empty()) {
    out["seeds"] = result.seeds;
    json by_seed = json::object();
    for (const auto& [seed, observed] : result.outcomes_by_seed) {
      by_seed[std::to_string(seed)] = observed;
    }
    out["outcomes_by_seed"] = std::move(by_seed);
  }
  if (!result.errors.empty()) out["errors"] = result.errors;
  if (!result.note.empty()) out["note"] = result.note;
  if (declaration.per_test) out["flaky"] = result.flaky;
  if (sharded) out["index"] = result.index;
  return out;
}

}  // namespace

std::string FormatJsonReport(const Report& report, const WriterOptions& /*options*/) {
  json results = json::array();
  for (const CaseResult& result : report.results) {
    results.push_back(ResultJson(result, report.shard_count > 1));
  }
  const Summary& s = report.summary;
  json document = {{"schema", kJsonReportSchema},
                   {"build",
                    {{"preset", report.build.preset},
                     {"compiler", report.build.compiler},
                     {"sanitizer", report.build.sanitizer}}},
                   {"complete", report.complete},
                   {"duration_s", SecondsToTheMillisecond(report.duration)},
                   {"results", std::move(results)},
                   {"summary",
                    {{"total", s.total},
                     {"as_expected", s.as_expected},
                     {"detected", s.detected},
                     {"missed", s.missed},
                     {"clean", s.clean},
                     {"false_positives", s.false_positives},
                     {"errors", s.errors}}}};
  if (!report.complete) document["incomplete_reason"] = report.incomplete_reason;
  if (!report.program.empty()) document["program"] = report.program;
  if (report.shard_count > 1) {
    document["shard"] = {{"index", report.shard_index}, {"count", report.shard_count}};
  }
  if (!report.detector_notes.empty()) {
    json notes = json::array();
    for (const DetectorNote& note : report.detector_notes) {
      notes.push_back({{"detector", DetectorName(note.detector)},
                       {"why", note.why},
                       {"invisible", note.invisible},
                       {"remedy", note.remedy},
                       {"message", DetectorNoteMessage(note)}});
    }
    document["detector_notes"] = std::move(notes);
  }
  return document.dump(2) + "\n";
}

}  // namespace racelab
