// ThreadSanitizer output parser (see tsan_report_parser.h).
#include "harness/detectors/tsan_report_parser.h"

#include <cctype>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "harness/detectors/source_files.h"

namespace racelab {
namespace {

constexpr absl::string_view kWarningMarker = "WARNING: ThreadSanitizer: ";
constexpr absl::string_view kErrorMarker = "ERROR: ThreadSanitizer: ";
constexpr absl::string_view kSummaryMarker = "SUMMARY: ThreadSanitizer: ";

// One stack in a report with the header line above it.
struct Section {
  std::string
      header;  // e.g. "Read of size 4 at 0x... by thread T2"; empty for the first, unnamed stack
  std::vector<StackFrame> frames;
};

struct RawReport {
  std::string title;
  bool deadly_signal = false;  // an ERROR: (SEGV, ...) rather than a WARNING:
  std::vector<Section> sections;
};

// Removes a trailing "(...)" group when `pred` accepts its contents.
template <typename Pred>
bool StripTrailingGroup(absl::string_view& text, Pred pred) {
  text = absl::StripTrailingAsciiWhitespace(text);
  if (!absl::EndsWith(text, ")")) return false;
  const size_t open = text.rfind('(');
  if (open == absl::string_view::npos) return false;
  const absl::string_view inner = text.substr(open + 1, text.size() - open - 2);
  if (!pred(inner)) return false;
  text = text.substr(0, open);
  return true;
}

// "file:line:col", "file:line", "file" or "<null>" → file and line.
void SplitFileLine(absl::string_view token, std::string& file, int& line) {
  file.clear();
  line = 0;
  if (token == "<null>") return;
  std::vector<absl::string_view> parts = absl::StrSplit(token, ':');
  // Trailing numeric parts are line (and column).
  size_t numeric = 0;
  while (numeric < 2 && parts.size() > numeric + 1) {
    int value = 0;
    if (!absl::SimpleAtoi(parts[parts.size() - 1 - numeric], &value)) break;
    ++numeric;
  }
  if (numeric > 0) {
    if (!absl::SimpleAtoi(parts[parts.size() - numeric], &line)) line = 0;
    parts.resize(parts.size() - numeric);
  }
  file = absl::StrJoin(parts, ":");
}

std::string ThreadOf(absl::string_view header) {
  for (absl::string_view marker : {" by thread ", " in thread "}) {
    const size_t at = header.find(marker);
    if (at != absl::string_view::npos) {
      absl::string_view rest = header.substr(at + marker.size());
      return std::string(rest.substr(0, rest.find_first_of(" :(")));
    }
  }
  if (absl::StrContains(header, " by main thread") ||
      absl::StrContains(header, " in main thread")) {
    return "main";
  }
  return "";
}

std::string RoleOf(absl::string_view header, absl::string_view title) {
  if (header.empty()) return std::string(title);
  absl::string_view role = absl::StripSuffix(header, ":");
  for (absl::string_view cut :
       {" at 0x", " by thread ", " by main thread", " in thread ", " in main thread"}) {
    const size_t at = role.find(cut);
    if (at != absl::string_view::npos) role = role.substr(0, at);
  }
  return std::string(role);
}

std::optional<Location> PickLocation(const Section& section, absl::string_view project_root,
                                     absl::string_view title) {
  UserFramePicker picker(project_root);
  for (std::size_t i = 0; i < section.frames.size(); ++i) {
    if (picker.Offer(section.frames[i].file, i)) break;
  }
  if (!picker.chosen()) return std::nullopt;
  const StackFrame* chosen = &section.frames[*picker.chosen()];
  Location location;
  location.file = ProjectRelative(chosen->file, project_root);
  location.line = chosen->line;
  location.function = chosen->function;
  location.thread = ThreadOf(section.header);
  location.role = RoleOf(section.header, title);
  return location;
}

bool IsContextSection(absl::string_view header) {
  // Where threads and mutexes were created: context, not the bug's sites.
  return absl::StrContains(header, " created by ") || absl::StrContains(header, ") created at");
}

Finding ToFinding(const RawReport& report, absl::string_view project_root) {
  Finding finding;
  finding.detector = report.deadly_signal ? Detector::kCrash : Detector::kTsan;
  finding.kind = report.deadly_signal ? FindingKind::kCrash : TsanTitleKind(report.title);
  for (const Section& section : report.sections) {
    if (IsContextSection(section.header)) continue;
    if (std::optional<Location> location = PickLocation(section, project_root, report.title)) {
      finding.locations.push_back(*std::move(location));
    }
  }
  finding.evidence = SanitizerReport{"ThreadSanitizer", report.title, /*names_site=*/true};
  return finding;
}

}  // namespace

std::optional<StackFrame> ParseStackFrame(absl::string_view line) {
  absl::string_view text = absl::StripLeadingAsciiWhitespace(line);
  if (!absl::ConsumePrefix(&text, "#")) return std::nullopt;
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits >= text.size() || text[digits] != ' ') return std::nullopt;
  text = text.substr(digits + 1);

  StackFrame frame;
  StripTrailingGroup(text,
                     [](absl::string_view inner) { return absl::StartsWith(inner, "BuildId:"); });
  absl::string_view module_group;
  StripTrailingGroup(text, [&](absl::string_view inner) {
    if (!absl::StrContains(inner, "+0x")) return false;
    module_group = inner;
    return true;
  });
  frame.module = std::string(module_group.substr(0, module_group.rfind("+0x")));
  text = absl::StripTrailingAsciiWhitespace(text);
  const size_t last_space = text.rfind(' ');
  if (last_space == absl::string_view::npos) {
    frame.function = std::string(text);
    return frame;
  }
  frame.function = std::string(text.substr(0, last_space));
  SplitFileLine(text.substr(last_space + 1), frame.file, frame.line);
  return frame;
}

FindingKind TsanTitleKind(absl::string_view title) {
  if (absl::StartsWith(title, "data race")) return FindingKind::kDataRace;
  if (absl::StrContains(title, "use-after-free")) return FindingKind::kUseAfterFree;
  if (absl::StartsWith(title, "lock-order-inversion")) return FindingKind::kLockOrderInversion;
  if (absl::StartsWith(title, "double lock of a mutex")) return FindingKind::kSelfDeadlock;
  if (absl::StartsWith(title, "thread leak")) return FindingKind::kThreadLeak;
  if (absl::StartsWith(title, "unlock of an unlocked mutex") ||
      absl::StartsWith(title, "destroy of a locked mutex") ||
      absl::StartsWith(title, "read lock of a write locked mutex") ||
      absl::StartsWith(title, "read unlock of a write locked mutex") ||
      absl::StartsWith(title, "use of an invalid mutex") ||
      absl::StartsWith(title, "mutex held in the wrong context")) {
    return FindingKind::kMutexMisuse;
  }
  return FindingKind::kOther;
}

std::vector<Finding> ParseTsanOutput(absl::string_view text, absl::string_view project_root) {
  std::vector<Finding> findings;
  std::optional<RawReport> report;
  bool in_section = false;

  auto finish = [&] {
    if (report) findings.push_back(ToFinding(*report, project_root));
    report.reset();
    in_section = false;
  };

  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (size_t at = line.find(kWarningMarker); at != absl::string_view::npos) {
      finish();
      absl::string_view title = line.substr(at + kWarningMarker.size());
      title = title.substr(0, title.find(" (pid="));
      report.emplace();
      report->title = std::string(title);
      continue;
    }
    if (size_t at = line.find(kErrorMarker); at != absl::string_view::npos) {
      finish();
      absl::string_view title = line.substr(at + kErrorMarker.size());
      title = title.substr(0, title.find(" (pc "));
      report.emplace();
      report->title = std::string(title);
      report->deadly_signal = true;
      continue;
    }
    if (!report) continue;
    if (absl::StartsWith(line, kSummaryMarker) || absl::StartsWith(line, "=====")) {
      finish();
      continue;
    }
    if (std::optional<StackFrame> frame = ParseStackFrame(line)) {
      if (!in_section) {
        report->sections.emplace_back();
        in_section = true;
      }
      report->sections.back().frames.push_back(*std::move(frame));
      continue;
    }
    absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(line);
    if (absl::EndsWith(trimmed, ":") && !trimmed.empty()) {
      report->sections.push_back(Section{std::string(absl::StripSuffix(trimmed, ":")), {}});
      in_section = true;
    } else {
      in_section = false;  // "Location is ...", hints, blank lines
    }
  }
  finish();
  return findings;
}

}  // namespace racelab
