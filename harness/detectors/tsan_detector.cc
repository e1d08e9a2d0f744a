// ThreadSanitizer as a detector (see tsan_detector.h).
#include "harness/detectors/tsan_detector.h"

#include "absl/strings/str_cat.h"
#include "harness/detectors/tsan_report_parser.h"

namespace racelab {
namespace {

class Tsan : public RunDetector {
 public:
  Detector id() const override { return Detector::kTsan; }

  Applicability AppliesTo(const RunSubject& subject) const override {
    if (subject.tsan) return {};
    if (subject.program == nullptr || !subject.program->is_elf) return {false};
    return {false, "not built with -fsanitize=thread", "data races are invisible to this build",
            subject.asan ? "a separate build with -fsanitize=thread (it cannot be combined with "
                           "-fsanitize=address)"
                         : "rebuild it with -fsanitize=thread"};
  }

  // suppress_equal_addresses=0: ThreadSanitizer v3 (clang 14's runtime)
  // marks an address as reported *before* it restores the previous access's
  // stack; when that stack has already left its trace (likely at -O0, where
  // every call adds trace events), the report is dropped and every later
  // race on the address is suppressed "as doubled". Measured on counter/racy
  // under tsan-clang: detected in 1 of 3 runs without this flag, 50 of 50
  // with it.
  //
  // history_size=7 (the largest): a longer per-thread trace, so the earlier
  // access of a race can still be restored when the racing threads did many
  // calls in between (bank_account/racy spins in a rendezvous between check
  // and act: its race was reported in 9 of 10 runs with gcc's default, 30
  // of 30 with 7).
  //
  // A catalog case's reports are symbolised by the runner, which knows the
  // case binary (report_symbols.h); a program symbolises its own.
  void Prepare(const RunSubject& subject, const std::string& scratch_dir, RunState&,
               ChildSpec& child) const override {
    const bool catalog = subject.kind == RunSubject::Kind::kCatalogCase;
    AppendOptions(child, "TSAN_OPTIONS",
                  absl::StrCat("log_path=", scratch_dir, "/tsan exitcode=", kTsanExitCode,
                               " atexit_sleep_ms=0 halt_on_error=0 second_deadlock_stack=1"
                               " suppress_equal_addresses=0 history_size=7",
                               catalog ? " symbolize=0" : ""));
    // Lock order is racelab's checker's job: ThreadSanitizer's own detector
    // reports cycles that one gate lock serialises (tests/programs/
    // gate_lock.cc), so it is off in black-box mode, preload or not.
    if (!catalog) AppendOptions(child, "TSAN_OPTIONS", "detect_deadlocks=0");
  }

  void Collect(RunLeftovers& leftovers, RunRecord& record) const override {
    for (const std::string& text : leftovers.SanitizerTexts()) {
      for (Finding& finding : ParseTsanOutput(text, leftovers.subject().project_root)) {
        record.findings.push_back(std::move(finding));
      }
    }
  }
};

}  // namespace

const RunDetector& TsanDetector() {
  static const Tsan kDetector;
  return kDetector;
}

}  // namespace racelab
