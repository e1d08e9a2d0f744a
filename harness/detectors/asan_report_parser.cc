// AddressSanitizer / LeakSanitizer / UBSan output → findings (see
// asan_report_parser.h).
#include "harness/detectors/asan_report_parser.h"

#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "harness/detectors/source_files.h"

namespace racelab {
namespace {

// "file:line[:col]" at the end of `text` → location; nullopt otherwise.
std::optional<Location> FileLine(absl::string_view text, absl::string_view function) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  if (parts.size() < 2) return std::nullopt;
  int line = 0, column = 0;
  size_t file_parts = parts.size() - 1;
  if (parts.size() >= 3 && absl::SimpleAtoi(parts.back(), &column) &&
      absl::SimpleAtoi(parts[parts.size() - 2], &line)) {
    file_parts = parts.size() - 2;
  } else if (!absl::SimpleAtoi(parts.back(), &line)) {
    return std::nullopt;
  }
  Location location;
  location.file = absl::StrJoin(parts.begin(), parts.begin() + static_cast<long>(file_parts), ":");
  location.line = line;
  location.function = std::string(function);
  return location;
}

// "#N 0xADDR in FUNCTION FILE:LINE[:COL]" → location; nullopt for other lines
// (and for frames without a source file).
std::optional<Location> ParseFrame(absl::string_view line) {
  line = absl::StripLeadingAsciiWhitespace(line);
  if (!absl::ConsumePrefix(&line, "#")) return std::nullopt;
  const size_t in = line.find(" in ");
  if (in == absl::string_view::npos) return std::nullopt;
  absl::string_view rest = absl::StripAsciiWhitespace(line.substr(in + 4));
  const size_t last_space = rest.rfind(' ');
  if (last_space == absl::string_view::npos) return std::nullopt;
  return FileLine(rest.substr(last_space + 1), rest.substr(0, last_space));
}

Location Relative(Location location, absl::string_view root) {
  location.file = ProjectRelative(location.file, root);
  return location;
}

}  // namespace

std::vector<Finding> ParseAsanOutput(absl::string_view text, absl::string_view project_root) {
  std::vector<Finding> findings;
  std::vector<Location> frames;  // the report's first stack
  std::optional<UserFramePicker> picker;
  bool in_report = false, stack_ended = false;
  auto finish = [&] {
    if (!in_report) return;
    if (picker->chosen()) {
      findings.back().locations.push_back(Relative(frames[*picker->chosen()], project_root));
    }
    in_report = false;
  };
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const size_t error = line.find("ERROR: AddressSanitizer: ");
    const size_t leak = line.find("ERROR: LeakSanitizer: ");
    const size_t runtime_error = line.find(": runtime error: ");
    if (error != absl::string_view::npos || leak != absl::string_view::npos) {
      finish();
      const bool is_leak = leak != absl::string_view::npos;
      absl::string_view what = line.substr((is_leak ? leak : error) + (is_leak ? 22 : 25));
      const absl::string_view title = what.substr(0, what.find(" on "));
      Finding finding;
      // A deadly signal (SEGV, BUS, FPE, ...) is the program crashing, which
      // ASan only reports on its way down.
      const bool deadly =
          !is_leak && (title == "SEGV" || title == "BUS" || title == "FPE" || title == "ABRT" ||
                       title == "ILL" || title == "stack-overflow");
      finding.detector = deadly ? Detector::kCrash : Detector::kAsan;
      finding.kind = deadly                           ? FindingKind::kCrash
                     : title == "heap-use-after-free" ? FindingKind::kUseAfterFree
                                                      : FindingKind::kOther;
      finding.evidence = SanitizerReport{is_leak ? "LeakSanitizer" : "AddressSanitizer",
                                         std::string(absl::StripAsciiWhitespace(title))};
      findings.push_back(std::move(finding));
      in_report = true;
      stack_ended = false;
      frames.clear();
      picker.emplace(project_root);
    } else if (runtime_error != absl::string_view::npos) {
      finish();
      Finding finding;
      finding.detector = Detector::kAsan;
      finding.kind = FindingKind::kOther;
      finding.evidence = SanitizerReport{"UBSan", std::string(line.substr(runtime_error + 17))};
      const std::string where(line.substr(0, runtime_error));
      if (std::optional<Location> location = FileLine(where, "")) {
        finding.locations.push_back(Relative(*location, project_root));
      }
      findings.push_back(std::move(finding));
    } else if (in_report && !stack_ended) {
      if (std::optional<Location> frame = ParseFrame(line)) {
        frames.push_back(*std::move(frame));
        picker->Offer(frames.back().file, frames.size() - 1);
      } else if (absl::StripAsciiWhitespace(line).empty() && picker->chosen()) {
        stack_ended = true;  // only the first stack (the bad access) places the finding
      }
    }
  }
  finish();
  return findings;
}

}  // namespace racelab
