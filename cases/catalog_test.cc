// One test per catalog case id: the case runs through the real `racelab`
// binary (a child process per run) and must get its declared verdict in
// every run: racy → detected by a detector active in this build, correct →
// clean. A racy case that no detector of this build can see is skipped with
// a message saying which detector it needs, never passed silently.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "harness/catalog/registry.h"
#include "harness/model/build_info.h"
#include "harness/report/console_writer.h"
#include "harness/report/grade.h"
#include "harness/runner/case_runner.h"

namespace racelab {
namespace {

// Runs per case in ctest. Every one of them must come out as declared.
constexpr int kRunsPerCase = 3;

std::vector<std::string> AllCaseIds() {
  std::vector<std::string> ids;
  for (const CaseSpec* spec : CaseRegistry::Global().All()) ids.push_back(spec->Id());
  return ids;
}

std::string TestNameOf(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return name;
}

std::vector<std::string> UsableDetectors(const CaseSpec& spec) {
  std::vector<std::string> usable;
  for (Detector detector : spec.found_by) {
    if (IsDetectorActive(detector)) usable.emplace_back(DetectorName(detector));
  }
  return usable;
}

class CatalogCaseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CatalogCaseTest, GetsItsDeclaredVerdictInEveryRun) {
  absl::StatusOr<const CaseSpec*> found = CaseRegistry::Global().Find(GetParam());
  ASSERT_TRUE(found.ok()) << found.status();
  const CaseSpec& spec = **found;

  const std::vector<std::string> usable = UsableDetectors(spec);
  if (spec.expect == Expect::kBug && usable.empty()) {
    std::vector<std::string> needed;
    for (Detector detector : spec.found_by) needed.emplace_back(DetectorName(detector));
    GTEST_SKIP() << spec.Id() << " cannot be detected in preset '" << ThisBuild().preset
                 << "': it needs " << absl::StrJoin(needed, " or ");
  }

  RunOptions options;
  options.repeat = kRunsPerCase;
  options.case_binary = RACELAB_BINARY;
  options.project_root = ThisBuild().source_root;
  const CaseDeclaration declaration{spec.pattern, spec.variant, spec.expect, spec.bug_kinds,
                                    spec.found_by};
  const CaseResult result = GradeCase(declaration, RunCatalogCase(spec, options), ActiveDetectors());
  const std::string details = absl::StrCat("findings: ", FindingsByDetector(result), "; errors: ",
                                           absl::StrJoin(result.errors, " | "));
  ASSERT_TRUE(result.errors.empty()) << details;
  if (spec.expect == Expect::kBug) {
    RecordProperty("held_to_detectors", absl::StrJoin(usable, ","));
    EXPECT_EQ(result.verdict, Verdict::kDetected) << details;
    EXPECT_EQ(result.runs_detected, kRunsPerCase)
        << "detected in only " << result.runs_detected << " of " << kRunsPerCase
        << " runs (held to " << absl::StrJoin(usable, ", ") << "); " << details;
  } else {
    EXPECT_EQ(result.verdict, Verdict::kClean) << details;
  }
}

INSTANTIATE_TEST_SUITE_P(Catalog, CatalogCaseTest, ::testing::ValuesIn(AllCaseIds()), TestNameOf);

TEST(CatalogTest, EveryPatternHasRacyAndACorrectVariant) {
  EXPECT_TRUE(CaseRegistry::Global().ValidateCatalog().ok())
      << CaseRegistry::Global().ValidateCatalog();
  EXPECT_GE(CaseRegistry::Global().All().size(), 8u);
}

}  // namespace
}  // namespace racelab
