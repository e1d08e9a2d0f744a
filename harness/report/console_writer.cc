// Console report rendering (see console_writer.h).
#include "harness/report/console_writer.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "harness/report/finding_message.h"
#include "harness/report/findings_text.h"
#include "harness/report/grade.h"
#include "harness/report/site_text.h"

namespace racelab {

std::string FindingsByDetector(const CaseResult& result) {
  // detector → kind → occurrences, in first-seen order within a detector.
  std::map<std::string, std::vector<std::pair<std::string, int>>> by_detector;
  for (const ReportedFinding& finding : result.findings) {
    auto& kinds = by_detector[std::string(DetectorName(finding.detector))];
    const std::string kind(FindingKindName(finding.kind));
    auto same =
        std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == kind; });
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

namespace {

constexpr absl::string_view kGreen = "\033[32m", kRed = "\033[31m", kYellow = "\033[33m",
                            kReset = "\033[0m";

std::string Coloured(absl::string_view text, absl::string_view colour, ConsoleStyle style) {
  return style.colour ? absl::StrCat(colour, text, kReset) : std::string(text);
}

}  // namespace

std::string FormatConsoleReport(const Report& report, ConsoleStyle style) {
  size_t id_width = 4, findings_width = 8;
  for (const CaseResult& result : report.results) {
    id_width = std::max(id_width, result.declaration.Id().size());
    findings_width = std::max(findings_width, FindingsByDetector(result).size());
  }
  std::string out;
  const auto row = [&](absl::string_view id, absl::string_view expect, absl::string_view findings,
                       absl::string_view verdict, absl::string_view time) {
    absl::StrAppendFormat(&out, "%-*s  %-6s  %-*s  %s  %8s\n", static_cast<int>(id_width), id,
                          expect, static_cast<int>(findings_width), findings, verdict, time);
  };
  // Padded before colouring, so escape codes do not upset the columns.
  const auto verdict_cell = [&](const CaseResult& result, const std::string& text) {
    const std::string padded = absl::StrFormat("%-14s", text);
    return Coloured(padded,
                    result.verdict == Verdict::kError ? kYellow
                    : IsAsExpected(result)            ? kGreen
                                                      : kRed,
                    style);
  };
  // What this run cannot show, before the verdicts that depend on it.
  for (const DetectorNote& note : report.detector_notes) {
    absl::StrAppend(&out, Coloured("note: ", kYellow, style), DetectorNoteMessage(note), "\n");
  }
  if (!report.detector_notes.empty()) absl::StrAppend(&out, "\n");
  row("CASE", "EXPECT", "FINDINGS", absl::StrFormat("%-14s", "VERDICT"), "TIME");
  for (const CaseResult& result : report.results) {
    const std::string runs =
        result.declaration.expect == Expect::kBug
            ? absl::StrCat(" ", result.runs_detected, "/", result.runs)
            : (result.verdict == Verdict::kFalsePositive || result.verdict == Verdict::kDetected
                   ? absl::StrCat(" ", result.runs_with_findings, "/", result.runs)
                   : "");
    row(result.declaration.Id(), ExpectName(result.declaration.expect), FindingsByDetector(result),
        verdict_cell(result, absl::StrCat(VerdictName(result.verdict), runs)),
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
    absl::StrAppend(
        &out, result.declaration.Id(), ":\n",
        FindingsText(result, {.indent = "  ", .site_indent = "      ", .details = true}));
  }

  const Summary& s = report.summary;
  absl::StrAppendFormat(
      &out,
      "\nbuild %s (%s, sanitizer %s): %d cases, %d detected, %d missed, %d clean, "
      "%d false positives, %d errors in %.1fs\n",
      report.build.preset, report.build.compiler, report.build.sanitizer, s.total, s.detected,
      s.missed, s.clean, s.false_positives, s.errors, absl::ToDoubleSeconds(report.duration));
  if (!report.complete) {
    absl::StrAppend(&out,
                    Coloured(absl::StrCat("INCOMPLETE: ", report.incomplete_reason,
                                          "; the results above are the cases that finished"),
                             kYellow, style),
                    "\n");
  }
  const int failed = s.failed();
  absl::StrAppend(&out,
                  Coloured(absl::StrCat(s.as_expected, " passed, ", failed, " failed"),
                           failed == 0 && report.complete ? kGreen : kRed, style),
                  "\n");
  return out;
}

}  // namespace racelab
