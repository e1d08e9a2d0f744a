// HTML report rendering (see html_writer.h).
#include "harness/report/html_writer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "harness/report/console_writer.h"
#include "harness/report/finding_message.h"
#include "harness/report/grade.h"
#include "harness/report/junit_writer.h"
#include "harness/report/lockorder_writers.h"
#include "harness/report/site_text.h"

namespace racelab {
namespace {

// Lines of source shown on each side of a finding's line.
constexpr int kContextLines = 2;
// Graphs with more edges than this are listed, not drawn.
constexpr size_t kMaxDrawnEdges = 150;

constexpr absl::string_view kStyle = R"css(
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #1d2330; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #d0d5dd; padding-bottom: .2em; }
.meta { color: #5a6272; }
.badges span { display: inline-block; margin: .4em .4em 0 0; padding: .25em .7em; border-radius: 1em; background: #eef0f4; }
.badges .good { background: #d8f3dc; } .badges .bad { background: #fde2e1; }
.banner { background: #fff3cd; border: 1px solid #e8c55a; padding: .6em 1em; margin: 1em 0; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; margin-top: 1em; }
th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid #e4e7ec; vertical-align: top; }
th { background: #f5f6f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.verdict { font-weight: 600; padding: .1em .5em; border-radius: 3px; }
.detected, .clean { background: #d8f3dc; color: #14532d; }
.missed, .false-positive { background: #fde2e1; color: #7f1d1d; }
.error { background: #fff3cd; color: #713f12; }
.finding { border-left: 4px solid #c2410c; padding: .2em 0 .2em .8em; margin: .8em 0; }
.finding.expected { border-left-color: #15803d; }
.tag { font-size: .8em; padding: .05em .45em; border-radius: 3px; background: #eef0f4; margin-right: .3em; }
.site { font-family: ui-monospace, monospace; font-size: .92em; }
pre { background: #f6f8fa; padding: .5em .8em; overflow-x: auto; font-size: .88em; margin: .3em 0 .6em; }
pre .hit { background: #fde68a; display: inline-block; width: 100%; }
.bar { display: flex; align-items: center; gap: .6em; margin: .15em 0; }
.bar .fill { background: #6366f1; height: .9em; min-width: 2px; }
.bar .label { font-family: ui-monospace, monospace; font-size: .9em; min-width: 24em; text-align: right; }
.graph svg { max-width: 100%; height: auto; }
)css";

std::string Escaped(absl::string_view text) { return XmlEscape(text); }

// An id usable in a URL fragment: "counter/racy" → "case-counter-racy".
std::string Anchor(absl::string_view case_id) {
  std::string out = "case-";
  for (char c : case_id)
    out.push_back(absl::ascii_isalnum(static_cast<unsigned char>(c)) ? c : '-');
  return out;
}

// Source files, read once each, split into lines.
class SourceLines {
 public:
  explicit SourceLines(std::string root) : root_(std::move(root)) {}

  // Lines [line - kContextLines, line + kContextLines] of `file`, the line
  // itself highlighted; "" when the file cannot be read or has no such line.
  std::string Excerpt(const std::string& file, int line) {
    if (file.empty() || line <= 0) return "";
    const std::vector<std::string>& lines = Load(file);
    if (static_cast<size_t>(line) > lines.size()) return "";
    std::string out = "<pre>";
    const int first = std::max(1, line - kContextLines);
    const int last = std::min(static_cast<int>(lines.size()), line + kContextLines);
    for (int n = first; n <= last; ++n) {
      const std::string text = absl::StrFormat("%5d  %s", n, lines[static_cast<size_t>(n - 1)]);
      absl::StrAppend(&out, n == line ? "<span class=\"hit\">" : "", Escaped(text),
                      n == line ? "</span>" : "", "\n");
    }
    absl::StrAppend(&out, "</pre>");
    return out;
  }

 private:
  const std::vector<std::string>& Load(const std::string& file) {
    auto [entry, inserted] = cache_.try_emplace(file);
    if (!inserted) return entry->second;
    const std::filesystem::path path =
        file.front() == '/' ? std::filesystem::path(file) : std::filesystem::path(root_) / file;
    std::ifstream in(path);
    for (std::string text; std::getline(in, text);) entry->second.push_back(text);
    return entry->second;
  }

  std::string root_;
  std::map<std::string, std::vector<std::string>> cache_;
};

std::string VerdictCell(const CaseResult& result) {
  const std::string name(VerdictName(result.verdict));
  return absl::StrCat("<span class=\"verdict ", name, "\">", name, "</span>");
}

std::string SummaryHtml(const Report& report) {
  const Summary& s = report.summary;
  const int failed = s.failed();
  std::string out = "<div class=\"badges\">";
  absl::StrAppend(&out, "<span class=\"", failed == 0 ? "good" : "bad", "\"><b>", s.as_expected,
                  " passed, ", failed, " failed</b></span>");
  for (const auto& [label, value] : {std::pair<const char*, int>{"case", s.total},
                                     {"detected", s.detected},
                                     {"missed", s.missed},
                                     {"clean", s.clean},
                                     {"false positive", s.false_positives},
                                     {"error", s.errors}}) {
    const bool plural =
        value != 1 && (std::string(label) == "case" || std::string(label) == "false positive" ||
                       std::string(label) == "error");
    absl::StrAppend(&out, "<span>", value, " ", label, plural ? "s" : "", "</span>");
  }
  absl::StrAppend(&out, "</div>");
  if (!report.complete) {
    absl::StrAppend(
        &out, "<div class=\"banner\"><b>Incomplete run</b>: ", Escaped(report.incomplete_reason),
        ". Only the cases that finished are shown.</div>");
  }
  return out;
}

std::string Table(const Report& report) {
  std::string out =
      "<table><thead><tr><th>Case</th><th>Expect</th><th>Findings</th><th>Verdict</th>"
      "<th>Runs</th><th>Time</th></tr></thead><tbody>\n";
  for (const CaseResult& result : report.results) {
    const std::string id = result.declaration.Id();
    const bool bug = result.declaration.expect == Expect::kBug;
    const std::string runs = absl::StrCat(bug ? result.runs_detected : result.runs_with_findings,
                                          "/", result.runs, bug ? " found" : " flagged");
    absl::StrAppend(&out, "<tr><td><a href=\"#", Anchor(id), "\">", Escaped(id), "</a></td><td>",
                    ExpectName(result.declaration.expect), "</td><td>",
                    Escaped(FindingsByDetector(result)), "</td><td>", VerdictCell(result),
                    "</td><td class=\"num\">", runs, "</td><td class=\"num\">",
                    absl::StrFormat("%.2fs", absl::ToDoubleSeconds(result.duration)),
                    "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody></table>\n");
  return out;
}

std::string FindingHtml(const ReportedFinding& finding, SourceLines& sources) {
  std::string out =
      absl::StrCat("<div class=\"finding", finding.expected ? " expected" : "", "\">");
  absl::StrAppend(
      &out, "<div><span class=\"tag\">", DetectorName(finding.detector),
      "</span><span class=\"tag\">", FindingKindName(finding.kind), "</span><span class=\"tag\">",
      finding.count, finding.count == 1 ? " run" : " runs", "</span>",
      finding.seed ? absl::StrCat("<span class=\"tag\">first with seed ", *finding.seed, "</span>")
                   : "",
      finding.expected ? "<span class=\"tag\">expected</span>" : "",
      Escaped(FindingMessage(finding)), "</div>");
  // Each source line is shown once per finding (the two threads of an AB/BA
  // cycle take their locks on the same lines).
  std::set<std::pair<std::string, int>> shown;
  for (const Location& location : finding.locations) {
    const bool first_time = shown.emplace(location.file, location.line).second;
    absl::StrAppend(&out, "<div class=\"site\">at ", Escaped(SiteText(location)), "</div>",
                    first_time ? sources.Excerpt(location.file, location.line) : "");
  }
  if (!finding.details.empty()) {
    absl::StrAppend(&out, "<details><summary>evidence</summary><pre>", Escaped(finding.details),
                    "</pre></details>");
  }
  absl::StrAppend(&out, "</div>\n");
  return out;
}

// Outcomes of the form "<name>=<integer>" with one name throughout (a
// final counter value, say): the name and each value with its runs.
struct NumericOutcomes {
  std::string name;
  std::vector<std::pair<int64_t, int>> values;  // sorted by value
};

std::optional<NumericOutcomes> AsNumbers(const std::map<std::string, int>& outcomes) {
  NumericOutcomes numeric;
  for (const auto& [observed, runs] : outcomes) {
    const size_t equals = observed.find('=');
    int64_t value = 0;
    if (equals == std::string::npos || !absl::SimpleAtoi(observed.substr(equals + 1), &value)) {
      return std::nullopt;
    }
    const std::string name = observed.substr(0, equals);
    if (!numeric.name.empty() && name != numeric.name) return std::nullopt;
    numeric.name = name;
    numeric.values.emplace_back(value, runs);
  }
  std::sort(numeric.values.begin(), numeric.values.end());
  return numeric;
}

// Bars of (label, runs), the longest as wide as kBarEm.
std::string Bars(const std::vector<std::pair<std::string, int>>& bars) {
  constexpr double kBarEm = 30.0;
  int most = 1;
  for (const auto& bar : bars) most = std::max(most, bar.second);
  std::string out;
  for (const auto& [label, runs] : bars) {
    absl::StrAppend(
        &out, "<div class=\"bar\"><span class=\"label\">", Escaped(label),
        "</span><span class=\"fill\" style=\"width:", absl::StrFormat("%.1f", kBarEm * runs / most),
        "em\"></span><span>", runs, "</span></div>\n");
  }
  return out;
}

// The outcomes as bars: most frequent first; numeric outcomes with many
// distinct values (the final count of a racy counter) grouped into
// kNumericBins equal ranges, in order of value.
std::string Histogram(const CaseResult& result) {
  constexpr size_t kNumericBins = 10;
  std::string out = absl::StrCat("<h3>Observed outcomes over ", result.runs,
                                 result.runs == 1 ? " run" : " runs", "</h3>\n");
  std::vector<std::pair<std::string, int>> bars;
  const std::optional<NumericOutcomes> numeric = AsNumbers(result.outcomes);
  if (numeric && numeric->values.size() > kNumericBins) {
    const int64_t low = numeric->values.front().first, high = numeric->values.back().first;
    const int64_t width = (high - low) / static_cast<int64_t>(kNumericBins) + 1;
    std::vector<int> counts(kNumericBins, 0);
    for (const auto& [value, runs] : numeric->values)
      counts[static_cast<size_t>((value - low) / width)] += runs;
    for (size_t bin = 0; bin < kNumericBins; ++bin) {
      const int64_t from = low + static_cast<int64_t>(bin) * width;
      bars.emplace_back(
          absl::StrCat(numeric->name, " ", from, "..", std::min(high, from + width - 1)),
          counts[bin]);
    }
  } else {
    bars.assign(result.outcomes.begin(), result.outcomes.end());
    std::stable_sort(bars.begin(), bars.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
  }
  return absl::StrCat(out, Bars(bars));
}

// Perturbed runs' outcomes split by schedule seed: each outcome with the
// seeds that gave it (the first kMaxSeedsShown), most frequent first.
std::string OutcomesBySeed(const CaseResult& result) {
  constexpr size_t kMaxSeedsShown = 20;
  std::map<std::string, std::vector<std::uint64_t>> seeds_of;
  for (const auto& [seed, observed] : result.outcomes_by_seed) seeds_of[observed].push_back(seed);
  std::vector<std::pair<std::string, std::vector<std::uint64_t>>> rows(seeds_of.begin(),
                                                                       seeds_of.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  std::string out =
      "<h3>Outcomes by schedule seed</h3>\n<table><thead><tr><th>outcome</th><th>runs</th>"
      "<th>seeds (replay one with <code>--seed S</code>)</th></tr></thead><tbody>\n";
  for (const auto& [observed, seeds] : rows) {
    std::vector<std::string> shown;
    for (size_t i = 0; i < seeds.size() && i < kMaxSeedsShown; ++i) {
      shown.push_back(absl::StrCat(seeds[i]));
    }
    const std::string more = seeds.size() > kMaxSeedsShown
                                 ? absl::StrCat(" and ", seeds.size() - kMaxSeedsShown, " more")
                                 : "";
    absl::StrAppend(&out, "<tr><td>", Escaped(observed), "</td><td>", seeds.size(), "</td><td>",
                    absl::StrJoin(shown, " "), more, "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody></table>\n");
  return out;
}

// The SVG markup without the XML prolog and doctype graphviz puts first.
std::string InlineSvg(const std::string& svg) {
  const size_t start = svg.find("<svg");
  return start == std::string::npos ? svg : svg.substr(start);
}

std::string Graph(const LockOrderAnalysis& graph, const WriterOptions& options) {
  const auto counted = [](size_t n, absl::string_view noun) {
    return absl::StrCat(n, " ", noun, n == 1 ? "" : "s");
  };
  std::string out =
      absl::StrCat("<h3>Lock-order graph of the first run (", counted(graph.locks.size(), "lock"),
                   ", ", counted(graph.edges.size(), "order"), "; cycle edges in red)</h3>\n");
  const std::string dot = FormatLockOrderDot(graph);
  std::string why;
  if (graph.edges.size() > kMaxDrawnEdges) {
    why = absl::StrCat("too large to draw (more than ", kMaxDrawnEdges, " orders)");
  } else if (!options.dot_to_svg) {
    why = "no graph renderer";
  } else if (absl::StatusOr<std::string> svg = options.dot_to_svg(dot); svg.ok()) {
    return absl::StrCat(out, "<div class=\"graph\">", InlineSvg(*svg), "</div>\n");
  } else {
    why = std::string(svg.status().message());
  }
  return absl::StrCat(out, "<p class=\"meta\">Not drawn: ", Escaped(why),
                      ". DOT:</p><details><summary>graph</summary><pre>", Escaped(dot),
                      "</pre></details>\n");
}

std::string CaseSection(const Report& report, const CaseResult& result, SourceLines& sources,
                        const WriterOptions& options) {
  const std::string id = result.declaration.Id();
  const auto graph = report.lock_graphs.find(id);
  const bool has_graph = graph != report.lock_graphs.end() && !graph->second.edges.empty();
  if (result.findings.empty() && result.errors.empty() && result.note.empty() &&
      result.outcomes.empty() && !has_graph) {
    return "";
  }
  std::string out = absl::StrCat("<section id=\"", Anchor(id), "\"><h2>", Escaped(id), " ",
                                 VerdictCell(result), "</h2>\n");
  if (!result.note.empty())
    absl::StrAppend(&out, "<p class=\"meta\">Note: ", Escaped(result.note), "</p>\n");
  for (const std::string& error : result.errors) {
    absl::StrAppend(&out, "<p class=\"banner\">Error: ", Escaped(error), "</p>\n");
  }
  for (const ReportedFinding& finding : result.findings)
    absl::StrAppend(&out, FindingHtml(finding, sources));
  if (!result.outcomes.empty()) absl::StrAppend(&out, Histogram(result));
  if (!result.outcomes_by_seed.empty()) absl::StrAppend(&out, OutcomesBySeed(result));
  if (has_graph) absl::StrAppend(&out, Graph(graph->second, options));
  absl::StrAppend(&out, "</section>\n");
  return out;
}

}  // namespace

std::string FormatHtmlReport(const Report& report, const WriterOptions& options) {
  const std::string title =
      report.program.empty() ? "racelab report"
                             : absl::StrCat("racelab report: ", absl::StrJoin(report.program, " "));
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", Escaped(title),
      "</title>\n<style>", kStyle, "</style></head>\n<body>\n<h1>", Escaped(title), "</h1>\n");
  absl::StrAppend(&out, "<p class=\"meta\">build ", Escaped(report.build.preset), " (",
                  Escaped(report.build.compiler), ", sanitizer ", Escaped(report.build.sanitizer),
                  "), ", absl::StrFormat("%.1f", absl::ToDoubleSeconds(report.duration)),
                  " s</p>\n");
  for (const DetectorNote& note : report.detector_notes) {
    absl::StrAppend(&out, "<p class=\"meta\">Note: ", Escaped(DetectorNoteMessage(note)), "</p>\n");
  }
  absl::StrAppend(&out, SummaryHtml(report), Table(report));
  SourceLines sources(report.locations_root);
  for (const CaseResult& result : report.results) {
    absl::StrAppend(&out, CaseSection(report, result, sources, options));
  }
  absl::StrAppend(&out, "</body></html>\n");
  return out;
}

}  // namespace racelab
