// GoogleTest's own verdict as a detector (see gtest_detector.h).
#include "harness/detectors/gtest_detector.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "harness/detectors/gtest_result_parser.h"
#include "harness/detectors/source_files.h"
#include "harness/process/proc_files.h"

namespace racelab {
namespace {

namespace fs = std::filesystem;

constexpr char kResultFile[] = "gtest.json";

class Gtest : public RunDetector {
 public:
  Detector id() const override { return Detector::kGtest; }

  Applicability AppliesTo(const RunSubject& subject) const override {
    return {!subject.gtest_test.empty(), ""};
  }

  void Prepare(const RunSubject& subject, const std::string& scratch_dir, RunState&,
               ChildSpec& child) const override {
    if (subject.gtest_test.empty()) return;
    // Last on the command line, so it wins over an output flag of the
    // user's own (whose file every run would overwrite).
    child.argv.push_back(
        absl::StrCat("--gtest_output=json:", (fs::path(scratch_dir) / kResultFile).string()));
    // A sharded racelab (Bazel, a CI matrix) has split the tests already: the
    // binary must run its one test, not its shard of it (it would run none).
    for (const char* sharding :
         {"GTEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX", "GTEST_SHARD_STATUS_FILE"}) {
      child.unset_env.push_back(sharding);
    }
  }

  void Collect(RunLeftovers& leftovers, RunRecord& record) const override {
    const std::string& test = leftovers.subject().gtest_test;
    if (test.empty()) return;
    const fs::path path = fs::path(leftovers.scratch_dir()) / kResultFile;
    std::error_code ignored;
    if (!fs::exists(path, ignored)) {
      record.observed = kTestDidNotFinish;  // a crash or a hang: later detectors say which
      return;
    }
    absl::StatusOr<GtestTestResult> result =
        ParseGtestJsonResult(ReadWholeFile(path.string()), test);
    if (!result.ok()) {
      record.error = absl::StrCat("GoogleTest's result file: ", result.status().message());
      return;
    }
    if (!result->ran) {
      record.error = absl::StrCat("GoogleTest ran no test named ", test,
                                  " (--gtest_filter matched nothing it would run)");
      return;
    }
    for (GtestAssertionFailure& failure : result->failures) {
      Finding finding{
          Detector::kGtest, FindingKind::kTestFailure, TestFailure{test, failure.message}, {}};
      if (!failure.file.empty()) {
        finding.locations.push_back(Location{
            ProjectRelative(failure.file, leftovers.subject().project_root), failure.line});
      }
      finding.details = std::move(failure.message);
      record.findings.push_back(std::move(finding));
    }
    record.observed = !result->failures.empty() ? kTestFailed
                      : result->skipped         ? kTestSkipped
                                                : kTestPassed;
  }
};

}  // namespace

const RunDetector& GtestDetector() {
  static const Gtest kDetector;
  return kDetector;
}

}  // namespace racelab
