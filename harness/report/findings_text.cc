// A case's findings as plain text (see findings_text.h).
#include "harness/report/findings_text.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "harness/report/finding_message.h"
#include "harness/report/site_text.h"

namespace racelab {
namespace {

// `details`, indented under `indent`, cut after kMaxDetailLines.
std::string IndentedDetails(absl::string_view details, absl::string_view indent) {
  std::vector<absl::string_view> lines = absl::StrSplit(details, '\n');
  std::string out;
  for (size_t i = 0; i < lines.size() && i < kMaxDetailLines; ++i) {
    absl::StrAppend(&out, indent, "| ", lines[i], "\n");
  }
  if (lines.size() > kMaxDetailLines) {
    absl::StrAppend(&out, indent, "| ... ", lines.size() - kMaxDetailLines,
                    " more lines in the JSON and HTML reports\n");
  }
  return out;
}

}  // namespace

std::string FindingsText(const CaseResult& result, const FindingsTextLayout& layout) {
  std::string text;
  for (const ReportedFinding& finding : result.findings) {
    absl::StrAppend(&text, layout.indent, DetectorName(finding.detector), " ",
                    FindingKindName(finding.kind), " x", finding.count,
                    finding.seed ? absl::StrCat(" (first with seed ", *finding.seed, ")") : "",
                    ": ", FindingMessage(finding), "\n");
    for (const Location& location : finding.locations) {
      absl::StrAppend(&text, layout.site_indent, "at ", SiteText(location), "\n");
    }
    if (layout.details && !finding.details.empty()) {
      absl::StrAppend(&text, IndentedDetails(finding.details, layout.site_indent));
    }
  }
  for (const std::string& error : result.errors) {
    absl::StrAppend(&text, layout.indent, "error: ", error, "\n");
  }
  if (!result.note.empty()) absl::StrAppend(&text, layout.indent, "note: ", result.note, "\n");
  return text;
}

}  // namespace racelab
