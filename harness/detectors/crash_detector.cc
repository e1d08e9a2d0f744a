// Crashes as a detector (see crash_detector.h).
#include "harness/detectors/crash_detector.h"

#include <optional>

#include "absl/strings/str_cat.h"

namespace racelab {
namespace {

// How much of a crashed child's output its crash finding keeps, and how
// many of a program's last output lines an exit-status finding keeps.
constexpr int kCrashOutputLines = 10;

// ", last output: <line>" when the child printed anything.
// An exit-status finding when a program exited with another status than
// expected, unless a sanitizer's report already explains the exit (TSan
// and ASan end the process with their own status after reporting), or a
// failed GoogleTest assertion does (a per-test run exits 1 then).
std::optional<Finding> ExitStatusFinding(const ChildOutcome& outcome, const RunRecord& record,
                                         int expected) {
  if (outcome.end != ChildOutcome::End::kExited || outcome.exit_code == expected) {
    return std::nullopt;
  }
  for (const Finding& finding : record.findings) {
    if (finding.detector == Detector::kTsan || finding.detector == Detector::kAsan ||
        finding.kind == FindingKind::kTestFailure) {
      return std::nullopt;
    }
  }
  ProcessEnd end;
  end.how = ProcessEnd::How::kExitStatus;
  end.exit_status = outcome.exit_code;
  end.expected_status = expected;
  end.last_output = LastOutputLines(outcome, 1);
  Finding finding{Detector::kCrash, FindingKind::kExitStatus, std::move(end), {}};
  const std::string last = LastOutputLines(outcome, kCrashOutputLines);
  if (!last.empty()) finding.details = absl::StrCat("last output:\n", last);
  return finding;
}

class Crash : public RunDetector {
 public:
  Detector id() const override { return Detector::kCrash; }
  Applicability AppliesTo(const RunSubject&) const override { return {}; }

  void Collect(RunLeftovers& leftovers, RunRecord& record) const override {
    const ChildOutcome& outcome = leftovers.outcome();
    if (outcome.end == ChildOutcome::End::kSignaled) {
      ProcessEnd end;
      end.how = ProcessEnd::How::kDied;
      end.ended = record.ended;
      end.last_output = LastOutputLines(outcome, 1);
      record.findings.push_back(Finding{Detector::kCrash, FindingKind::kCrash, std::move(end), {}});
    } else if (outcome.end == ChildOutcome::End::kFlooded) {
      record.error = absl::StrCat("child ", record.ended, "; run abandoned");
    }
    if (leftovers.subject().kind == RunSubject::Kind::kProgram) {
      if (std::optional<Finding> status =
              ExitStatusFinding(outcome, record, leftovers.subject().expected_exit_code)) {
        record.findings.push_back(*std::move(status));
      }
    }
    // A crash a sanitizer reported (the process then exits rather than dies
    // by the signal) also gets what the program printed last.
    const std::string last_lines = LastOutputLines(outcome, kCrashOutputLines);
    for (Finding& finding : record.findings) {
      if (finding.kind == FindingKind::kCrash && finding.details.empty() && !last_lines.empty()) {
        finding.details = absl::StrCat("last output:\n", last_lines);
      }
    }
  }
};

}  // namespace

const RunDetector& CrashDetector() {
  static const Crash kDetector;
  return kDetector;
}

}  // namespace racelab
