// JUnit XML rendering (see junit_writer.h). Hand-written: the document is
// flat and small, and escaping is the only subtle part (XmlEscape).
#include "harness/report/junit_writer.h"

#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/report/finding_message.h"
#include "harness/report/findings_text.h"
#include "harness/report/grade.h"
#include "harness/report/site_text.h"

namespace racelab {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at `text[0]` that XML 1.0 may
// carry, or 0.
size_t AllowedSequenceLength(absl::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return (lead >= 0x20 || lead == '\t' || lead == '\n' || lead == '\r') ? 1 : 0;
  size_t length = 0;
  std::uint32_t code = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i) & 0x3F);
  }
  static constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kSmallest[length]) return 0;          // overlong
  if (code >= 0xD800 && code <= 0xDFFF) return 0;  // surrogate
  if (code == 0xFFFE || code == 0xFFFF || code > 0x10FFFF) return 0;
  return length;
}

// The one-line reason a case is not as expected; a miss says what could
// not see it (`notes`: the detectors that cannot see the program).
std::string FailureMessage(const CaseResult& result, const std::vector<DetectorNote>& notes) {
  switch (result.verdict) {
    case Verdict::kMissed: {
      std::vector<std::string> why;
      if (!result.note.empty()) why.push_back(result.note);
      for (const DetectorNote& note : notes) why.push_back(DetectorNoteMessage(note));
      return absl::StrCat("missed: the bug was detected in ", result.runs_detected, " of ",
                          result.runs, " runs",
                          why.empty() ? "" : absl::StrCat(" (", absl::StrJoin(why, "; "), ")"));
    }
    case Verdict::kDetected:  // a user's test (expected clean): its findings are bugs to fix
      return absl::StrCat("findings in ", result.runs_with_findings, " of ", result.runs,
                          " runs of the test",
                          result.flaky ? absl::StrCat(" (", result.note, ")") : "");
    case Verdict::kFalsePositive:
      return absl::StrCat("false positive: findings in ", result.runs_with_findings, " of ",
                          result.runs, " runs of a correct variant");
    case Verdict::kError:
      return absl::StrCat(
          "error: ", result.errors.empty() ? "the case could not be run" : result.errors.front());
    case Verdict::kClean:
      break;
  }
  return "";
}

void AppendTestcase(const CaseResult& result, const std::vector<DetectorNote>& notes,
                    std::string& out) {
  const CaseDeclaration& declaration = result.declaration;
  absl::StrAppendFormat(&out, "    <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\">\n",
                        XmlEscape(declaration.pattern), XmlEscape(declaration.variant),
                        absl::ToDoubleSeconds(result.duration));
  const std::string findings = FindingsText(result, {.indent = "", .site_indent = "    "});
  if (!IsAsExpected(result)) {
    const char* element = result.verdict == Verdict::kError ? "error" : "failure";
    absl::StrAppend(&out, "      <", element, " type=\"", VerdictName(result.verdict),
                    "\" message=\"", XmlEscape(FailureMessage(result, notes)), "\">",
                    XmlEscape(findings), "</", element, ">\n");
  } else if (!findings.empty()) {
    absl::StrAppend(&out, "      <system-out>", XmlEscape(findings), "</system-out>\n");
  }
  absl::StrAppend(&out, "    </testcase>\n");
}

struct SuiteCounts {
  int tests = 0;
  int failures = 0;
  int errors = 0;
  absl::Duration time;
};

SuiteCounts Count(const std::vector<const CaseResult*>& results) {
  SuiteCounts counts;
  for (const CaseResult* result : results) {
    ++counts.tests;
    if (result->verdict == Verdict::kError) {
      ++counts.errors;
    } else if (!IsAsExpected(*result)) {
      ++counts.failures;
    }
    counts.time += result->duration;
  }
  return counts;
}

}  // namespace

std::string XmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const size_t length = AllowedSequenceLength(text);
    if (length == 0) {
      out += kReplacement;
      text.remove_prefix(1);
      continue;
    }
    switch (text[0]) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.append(text.data(), length);
    }
    text.remove_prefix(length);
  }
  return out;
}

std::string FormatJunitReport(const Report& report, const WriterOptions& /*options*/) {
  // Patterns in first-seen order, each with its cases in report order.
  std::vector<std::string> patterns;
  std::map<std::string, std::vector<const CaseResult*>> by_pattern;
  for (const CaseResult& result : report.results) {
    auto& cases = by_pattern[result.declaration.pattern];
    if (cases.empty()) patterns.push_back(result.declaration.pattern);
    cases.push_back(&result);
  }
  std::vector<const CaseResult*> all;
  for (const CaseResult& result : report.results) all.push_back(&result);
  const SuiteCounts total = Count(all);

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  absl::StrAppendFormat(&out,
                        "<testsuites name=\"racelab\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
                        "time=\"%.3f\">\n",
                        total.tests, total.failures, total.errors,
                        absl::ToDoubleSeconds(report.duration));
  for (const std::string& pattern : patterns) {
    const std::vector<const CaseResult*>& cases = by_pattern[pattern];
    const SuiteCounts counts = Count(cases);
    absl::StrAppendFormat(&out,
                          "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
                          "skipped=\"0\" time=\"%.3f\">\n",
                          XmlEscape(pattern), counts.tests, counts.failures, counts.errors,
                          absl::ToDoubleSeconds(counts.time));
    absl::StrAppend(&out, "    <properties>\n", "      <property name=\"preset\" value=\"",
                    XmlEscape(report.build.preset), "\"/>\n",
                    "      <property name=\"compiler\" value=\"", XmlEscape(report.build.compiler),
                    "\"/>\n", "      <property name=\"sanitizer\" value=\"",
                    XmlEscape(report.build.sanitizer), "\"/>\n", "    </properties>\n");
    for (const CaseResult* result : cases) AppendTestcase(*result, report.detector_notes, out);
    absl::StrAppend(&out, "  </testsuite>\n");
  }
  absl::StrAppend(&out, "</testsuites>\n");
  return out;
}

}  // namespace racelab
