// SARIF 2.1.0 rendering (see sarif_writer.h). nlohmann::json does the JSON.
#include "harness/report/sarif_writer.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "harness/report/finding_message.h"
#include "harness/report/grade.h"

namespace racelab {
namespace {

using json = nlohmann::ordered_json;

constexpr absl::string_view kSchema = "https://json.schemastore.org/sarif-2.1.0.json";
constexpr absl::string_view kRootBaseId = "SRCROOT";

// `path` as a URI path: unreserved characters and '/' as they are, every
// other byte percent-encoded (RFC 3986).
std::string UriPath(absl::string_view path) {
  std::string out;
  for (char c : path) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", u);
    }
  }
  return out;
}

json Rules() {
  json rules = json::array();
  for (FindingKind kind : AllFindingKinds()) {
    const std::string description(FindingKindDescription(kind));
    // No "name": SARIF wants it to differ from the id, and the id already is
    // the readable kind name that racelab's other reports use.
    rules.push_back(
        {{"id", FindingKindName(kind)},
         {"shortDescription", {{"text", description}}},
         {"fullDescription", {{"text", description}}},
         {"defaultConfiguration", {{"level", kind == FindingKind::kOther ? "warning" : "error"}}}});
  }
  return rules;
}

int RuleIndex(FindingKind kind) {
  const std::vector<FindingKind>& kinds = AllFindingKinds();
  return static_cast<int>(std::find(kinds.begin(), kinds.end(), kind) - kinds.begin());
}

// The physical location of `location`, or null when it names no file.
json PhysicalLocation(const Location& location) {
  if (location.file.empty()) return nullptr;
  json artifact = location.file.front() == '/'
                      ? json{{"uri", absl::StrCat("file://", UriPath(location.file))}}
                      : json{{"uri", UriPath(location.file)}, {"uriBaseId", kRootBaseId}};
  json physical = {{"artifactLocation", std::move(artifact)}};
  if (location.line > 0) physical["region"] = {{"startLine", location.line}};
  return physical;
}

// "T1 write in Increment()": what a location is, for its message.
std::string LocationText(const Location& location) {
  std::vector<std::string> parts;
  if (!location.thread.empty()) parts.push_back(location.thread);
  if (!location.role.empty()) parts.push_back(location.role);
  if (!location.function.empty()) parts.push_back(absl::StrCat("in ", location.function));
  return parts.empty() ? "site" : absl::StrJoin(parts, " ");
}

json Result(const CaseResult& result, const ReportedFinding& finding) {
  const std::string id = result.declaration.Id();
  json out = {{"ruleId", FindingKindName(finding.kind)},
              {"ruleIndex", RuleIndex(finding.kind)},
              {"level", finding.kind == FindingKind::kOther ? "warning" : "error"},
              {"message", {{"text", absl::StrCat(id, ": ", FindingMessage(finding))}}}};
  json locations = json::array(), related = json::array();
  for (const Location& location : finding.locations) {
    json physical = PhysicalLocation(location);
    if (physical.is_null()) continue;
    json entry = {{"physicalLocation", std::move(physical)},
                  {"message", {{"text", LocationText(location)}}}};
    if (locations.empty()) {
      locations.push_back(std::move(entry));
    } else {
      entry["id"] = static_cast<int>(related.size()) + 1;
      related.push_back(std::move(entry));
    }
  }
  if (!locations.empty()) out["locations"] = std::move(locations);
  if (!related.empty()) out["relatedLocations"] = std::move(related);
  if (finding.expected) {
    out["suppressions"] =
        json::array({{{"kind", "external"},
                      {"justification",
                       absl::StrCat(id, " expects a bug (", ExpectName(result.declaration.expect),
                                    "): this finding is what it is there to produce")}}});
  }
  json properties = {{"caseId", id},
                     {"detector", DetectorName(finding.detector)},
                     {"runs", finding.count},
                     {"verdict", VerdictName(result.verdict)}};
  if (!finding.details.empty()) properties["details"] = finding.details;
  if (finding.seed) properties["seed"] = *finding.seed;  // replay: racelab run --seed S
  out["properties"] = std::move(properties);
  return out;
}

}  // namespace

std::string FormatSarifReport(const Report& report, const WriterOptions& /*options*/) {
  json results = json::array();
  json notifications = json::array();
  bool every_case_ran = true;
  for (const CaseResult& result : report.results) {
    for (const ReportedFinding& finding : result.findings)
      results.push_back(Result(result, finding));
    for (const std::string& error : result.errors) {
      every_case_ran = false;
      notifications.push_back(
          {{"level", "error"},
           {"message", {{"text", absl::StrCat(result.declaration.Id(), ": ", error)}}}});
    }
  }
  if (!report.complete) {
    notifications.push_back(
        {{"level", "error"},
         {"message", {{"text", absl::StrCat("incomplete run: ", report.incomplete_reason)}}}});
  }
  json invocation = {{"executionSuccessful", report.complete && every_case_ran}};
  if (!report.program.empty()) invocation["arguments"] = report.program;
  if (!notifications.empty()) invocation["toolExecutionNotifications"] = std::move(notifications);

  const Summary& s = report.summary;
  json run = {{"tool",
               {{"driver",
                 {{"name", "racelab"}, {"semanticVersion", RACELAB_VERSION}, {"rules", Rules()}}}}},
              {"invocations", json::array({std::move(invocation)})},
              {"results", std::move(results)},
              {"properties",
               {{"preset", report.build.preset},
                {"compiler", report.build.compiler},
                {"sanitizer", report.build.sanitizer},
                {"passed", s.as_expected},
                {"failed", s.failed()}}}};
  if (!report.locations_root.empty()) {
    std::string root = report.locations_root;
    if (root.back() != '/') root.push_back('/');
    run["originalUriBaseIds"] = {{kRootBaseId, {{"uri", absl::StrCat("file://", UriPath(root))}}}};
  }
  const json log = {
      {"$schema", kSchema}, {"version", "2.1.0"}, {"runs", json::array({std::move(run)})}};
  return log.dump(2) + "\n";
}

}  // namespace racelab
