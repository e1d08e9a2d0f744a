// The list of detectors (built from harness/model/detectors.def) and what
// runs share about them (see detector.h).
#include "harness/detectors/detector.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "harness/detectors/report_symbols.h"
#include "harness/model/build_info.h"
#include "harness/process/proc_files.h"

namespace racelab {

// Each detector's accessor, declared from the list; defined in its own file.
#define RACELAB_DETECTOR(enumerator, name, accessor) const RunDetector& accessor();
#include "harness/model/detectors.def"

namespace {

namespace fs = std::filesystem;

}  // namespace

const std::vector<const RunDetector*>& AllRunDetectors() {
  static const auto* const kDetectors = new std::vector<const RunDetector*>{
#define RACELAB_DETECTOR(enumerator, name, accessor) &accessor(),
#include "harness/model/detectors.def"
  };
  return *kDetectors;
}

RunSubject CatalogSubject() {
  RunSubject subject;
  subject.kind = RunSubject::Kind::kCatalogCase;
  subject.tsan = ThisBuild().sanitizer == "thread";
  subject.asan = ThisBuild().sanitizer == "address";
  return subject;
}

std::vector<Detector> ApplicableDetectors(const RunSubject& subject) {
  std::vector<Detector> applicable;
  for (const RunDetector* detector : AllRunDetectors()) {
    if (detector->AppliesTo(subject).applies) applicable.push_back(detector->id());
  }
  return applicable;
}

std::vector<Detector> ActiveDetectors() { return ApplicableDetectors(CatalogSubject()); }

bool IsDetectorActive(Detector detector) {
  const std::vector<Detector> active = ActiveDetectors();
  return std::find(active.begin(), active.end(), detector) != active.end();
}

std::vector<DetectorNote> InapplicableDetectorNotes(const RunSubject& subject) {
  std::vector<DetectorNote> notes;
  for (const RunDetector* detector : AllRunDetectors()) {
    Applicability applicability = detector->AppliesTo(subject);
    if (!applicability.applies && !applicability.why_not.empty()) {
      notes.push_back(DetectorNote{detector->id(), std::move(applicability.why_not),
                                   std::move(applicability.invisible),
                                   std::move(applicability.remedy)});
    }
  }
  return notes;
}

std::string* FindEnvironmentValue(ChildSpec& child, const std::string& name) {
  for (auto& [variable, value] : child.env) {
    if (variable == name) return &value;
  }
  return nullptr;
}

void AppendOptions(ChildSpec& child, const std::string& name, const std::string& options) {
  if (std::string* value = FindEnvironmentValue(child, name)) {
    absl::StrAppend(value, " ", options);
    return;
  }
  const char* user = std::getenv(name.c_str());
  child.env.emplace_back(
      name, user != nullptr && *user != '\0' ? absl::StrCat(user, " ", options) : options);
}

std::string LastOutputLines(const ChildOutcome& outcome, int count) {
  const std::string text = absl::StrCat(outcome.output_head, outcome.output_tail);
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipWhitespace());
  const size_t first = lines.size() > static_cast<size_t>(count) ? lines.size() - count : 0;
  std::vector<absl::string_view> kept(lines.begin() + static_cast<std::ptrdiff_t>(first),
                                      lines.end());
  for (absl::string_view& line : kept) line = absl::StripTrailingAsciiWhitespace(line);
  return absl::StrJoin(kept, "\n");
}

const std::vector<std::string>& RunLeftovers::SanitizerTexts() {
  if (sanitizer_texts_) return *sanitizer_texts_;
  sanitizer_texts_.emplace();
  std::error_code ignored;
  for (const fs::directory_entry& entry : fs::directory_iterator(scratch_dir_, ignored)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, "tsan.") || absl::StartsWith(name, "asan.") ||
        absl::StartsWith(name, "ubsan.")) {
      sanitizer_texts_->push_back(
          SymbolizeReportFrames(ReadWholeFile(entry.path().string()), symbolizer_));
    }
  }
  // A report printed despite log_path (a runtime that ignored it).
  for (const std::string* output : {&outcome_.output_head, &outcome_.output_tail}) {
    sanitizer_texts_->push_back(SymbolizeReportFrames(*output, symbolizer_));
  }
  return *sanitizer_texts_;
}

const std::vector<lockorder::Recording>& RunLeftovers::Recordings(std::string& error) {
  if (!recordings_) {
    recordings_.emplace();
    std::error_code ignored;
    for (const fs::directory_entry& entry : fs::directory_iterator(scratch_dir_, ignored)) {
      if (!absl::StartsWith(entry.path().filename().string(), "lockorder.")) continue;
      // A process killed before its first write (a child its parent gave
      // up on) left an empty file: nothing recorded, not a broken file.
      std::error_code size_error;
      if (fs::file_size(entry.path(), size_error) == 0 && !size_error) continue;
      absl::StatusOr<lockorder::Recording> recording = lockorder::ReadRecording(entry.path());
      if (!recording.ok()) {
        recordings_error_ = std::string(recording.status().message());
        continue;
      }
      recordings_->push_back(*std::move(recording));
    }
  }
  if (!recordings_error_.empty() && error.empty()) error = recordings_error_;
  return *recordings_;
}

}  // namespace racelab
