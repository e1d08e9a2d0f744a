// Console report rendering (see console_writer.h).
#include "harness/report/console_writer.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/report/site_text.h"

namespace racelab {

std::string FindingsByDetector(const CaseResult& result) {
  // detector → kind → occurrences, in first-seen order within a detector.
  std::map<std::string, std::vector<std::pair<std::string, int>>> by_detector;
  for (const ReportedFinding& finding : result.findings) {
    auto& kinds = by_detector[std::string(DetectorName(finding.detector))];
    const std::string kind(FindingKindName(finding.kind));
    auto same = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == kind; });
    if (same == kinds.end()) {
      kinds.emplace_back(kind, finding.count);
    } else {
      same->second += finding.count;
    }
  }
  if (by_detector.empty()) return "-";
  std::vector<std::string> parts;
  for (const auto& [detector, kinds] : by_detector) {
    std::vector<std::string> counted;
    for (const auto& [kind, count] : kinds) counted.push_back(absl::StrCat(kind, " x", count));
    parts.push_back(absl::StrCat(detector, ": ", absl::StrJoin(counted, ", ")));
  }
  return absl::StrJoin(parts, "; ");
}

std::string FormatConsoleReport(const Report& report) {
  size_t id_width = 4, findings_width = 8;
  for (const CaseResult& result : report.results) {
    id_width = std::max(id_width, result.declaration.Id().size());
    findings_width = std::max(findings_width, FindingsByDetector(result).size());
  }
  std::string out;
  const auto row = [&](absl::string_view id, absl::string_view expect, absl::string_view findings,
                       absl::string_view verdict, absl::string_view time) {
    absl::StrAppendFormat(&out, "%-*s  %-6s  %-*s  %-14s  %8s\n", static_cast<int>(id_width), id,
                          expect, static_cast<int>(findings_width), findings, verdict, time);
  };
  row("CASE", "EXPECT", "FINDINGS", "VERDICT", "TIME");
  for (const CaseResult& result : report.results) {
    const std::string runs =
        result.declaration.expect == Expect::kBug
            ? absl::StrCat(" ", result.runs_detected, "/", result.runs)
            : (result.verdict == Verdict::kFalsePositive
                   ? absl::StrCat(" ", result.runs_with_findings, "/", result.runs)
                   : "");
    row(result.declaration.Id(), ExpectName(result.declaration.expect),
        FindingsByDetector(result), absl::StrCat(VerdictName(result.verdict), runs),
        absl::StrFormat("%.2fs", absl::ToDoubleSeconds(result.duration)));
  }

  // Where: every finding with its sites, then what went wrong for the rest.
  bool header_printed = false;
  for (const CaseResult& result : report.results) {
    if (result.findings.empty() && result.errors.empty() && result.note.empty()) continue;
    if (!header_printed) {
      absl::StrAppend(&out, "\n");
      header_printed = true;
    }
    absl::StrAppend(&out, result.declaration.Id(), ":\n");
    for (const ReportedFinding& finding : result.findings) {
      absl::StrAppend(&out, "  ", DetectorName(finding.detector), " ",
                      FindingKindName(finding.kind), " x", finding.count, ": ", finding.message,
                      "\n");
      for (const Location& location : finding.locations) {
        absl::StrAppend(&out, "      at ", SiteText(location), "\n");
      }
    }
    for (const std::string& error : result.errors) absl::StrAppend(&out, "  error: ", error, "\n");
    if (!result.note.empty()) absl::StrAppend(&out, "  note: ", result.note, "\n");
  }

  const Summary& s = report.summary;
  absl::StrAppendFormat(&out,
                        "\nbuild %s (%s, sanitizer %s): %d cases, %d detected, %d missed, %d clean, "
                        "%d false positives, %d errors in %.1fs\n",
                        report.build.preset, report.build.compiler, report.build.sanitizer, s.total,
                        s.detected, s.missed, s.clean, s.false_positives, s.errors,
                        absl::ToDoubleSeconds(report.duration));
  absl::StrAppend(&out, s.as_expected, " passed, ", s.total - s.as_expected, " failed\n");
  return out;
}

}  // namespace racelab
