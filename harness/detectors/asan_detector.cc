// AddressSanitizer and UBSan as a detector (see asan_detector.h).
#include "harness/detectors/asan_detector.h"

#include "absl/strings/str_cat.h"
#include "harness/detectors/asan_report_parser.h"

namespace racelab {
namespace {

class Asan : public RunDetector {
 public:
  Detector id() const override { return Detector::kAsan; }

  Applicability AppliesTo(const RunSubject& subject) const override {
    if (subject.asan) return {};
    if (subject.program == nullptr || !subject.program->is_elf) return {false};
    return {false, "not built with -fsanitize=address",
            "use after free, buffer overflows and leaks are invisible to this build",
            subject.tsan ? "a separate build with -fsanitize=address (it cannot be combined with "
                           "-fsanitize=thread)"
                         : "rebuild it with -fsanitize=address"};
  }

  // AddressSanitizer (which stops at its first report) and UBSan (which
  // goes on) write to files of their own, read like TSan's.
  void Prepare(const RunSubject&, const std::string& scratch_dir, RunState&,
               ChildSpec& child) const override {
    AppendOptions(child, "ASAN_OPTIONS", absl::StrCat("log_path=", scratch_dir, "/asan"));
    AppendOptions(child, "UBSAN_OPTIONS",
                  absl::StrCat("log_path=", scratch_dir, "/ubsan print_stacktrace=1"));
  }

  void Collect(RunLeftovers& leftovers, RunRecord& record) const override {
    for (const std::string& text : leftovers.SanitizerTexts()) {
      for (Finding& finding : ParseAsanOutput(text, leftovers.subject().project_root)) {
        record.findings.push_back(std::move(finding));
      }
    }
  }
};

}  // namespace

const RunDetector& AsanDetector() {
  static const Asan kDetector;
  return kDetector;
}

}  // namespace racelab
