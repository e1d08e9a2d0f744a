// A catalog case's own oracle as a detector (see oracle_detector.h).
#include "harness/detectors/oracle_detector.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "harness/catalog/child_result.h"
#include "harness/detectors/tsan_detector.h"
#include "harness/process/proc_files.h"

namespace racelab {
namespace {

namespace fs = std::filesystem;

class Oracle : public RunDetector {
 public:
  Detector id() const override { return Detector::kOracle; }

  Applicability AppliesTo(const RunSubject& subject) const override {
    return {subject.kind == RunSubject::Kind::kCatalogCase, ""};
  }

  void Collect(RunLeftovers& leftovers, RunRecord& record) const override {
    const bool finished = ReadResult(leftovers.scratch_dir(), record);
    // A program's exit code is its own business (see the crash detector).
    if (leftovers.subject().kind != RunSubject::Kind::kCatalogCase) return;
    const ChildOutcome& outcome = leftovers.outcome();
    if (outcome.end != ChildOutcome::End::kExited) return;
    if (!finished && record.findings.empty() && record.error.empty()) {
      const std::string last = LastOutputLines(outcome, 1);
      record.error = absl::StrCat("child ended (", record.ended, ") without a result",
                                  last.empty() ? "" : ": ", last);
    } else if (finished && outcome.exit_code != 0 && outcome.exit_code != kTsanExitCode) {
      record.error = absl::StrCat("child finished but ", record.ended);
    }
  }

 private:
  // The child's own result: what it observed and what its oracle said.
  // Whether it finished (wrote a result that parses).
  static bool ReadResult(const std::string& scratch_dir, RunRecord& record) {
    const fs::path path = fs::path(scratch_dir) / "result";
    std::error_code ignored;
    if (!fs::exists(path, ignored)) return false;
    absl::StatusOr<ChildResult> result = ParseChildResult(ReadWholeFile(path.string()));
    if (!result.ok()) {
      record.error = std::string(result.status().message());
      return false;
    }
    record.observed = result->observed;
    if (result->oracle == ChildResult::Oracle::kViolated) {
      record.findings.push_back(Finding{
          Detector::kOracle, FindingKind::kInvariant, InvariantViolation{result->violation}, {}});
    }
    return true;
  }
};

}  // namespace

const RunDetector& OracleDetector() {
  static const Oracle kDetector;
  return kDetector;
}

}  // namespace racelab
