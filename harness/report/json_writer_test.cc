// Tests that the JSON report has the shared/DESIGN.md shape.
#include "harness/report/json_writer.h"

#include <nlohmann/json.hpp>

#include "gtest/gtest.h"
#include "harness/report/grade.h"

namespace racelab {
namespace {

TEST(JsonWriterTest, HasTheDesignShape) {
  CaseDeclaration declaration{
      "counter", "racy", Expect::kBug, {FindingKind::kDataRace}, {Detector::kTsan}};
  RunRecord run;
  run.observed = "counter=\"7\"";  // needs escaping
  run.wall = absl::Milliseconds(410);
  run.findings = {Finding{Detector::kTsan,
                          FindingKind::kDataRace,
                          SanitizerReport{"ThreadSanitizer", "race \\ here"},
                          {Location{"cases/counter/counter.cc", 31, "Increment", "T1", "write"}}}};
  Report report;
  report.build = BuildInfo{"tsan", "GNU 12.2.0", "thread", "/src"};
  report.duration = absl::Milliseconds(3200);
  report.results = {GradeCase(declaration, {run}, {Detector::kTsan})};
  report.summary = Summarize(report.results);

  const nlohmann::json json = nlohmann::json::parse(FormatJsonReport(report));
  EXPECT_EQ(json["schema"], "racelab-report/1");
  EXPECT_EQ(json["build"]["preset"], "tsan");
  EXPECT_EQ(json["build"]["compiler"], "GNU 12.2.0");
  EXPECT_EQ(json["build"]["sanitizer"], "thread");
  EXPECT_DOUBLE_EQ(json["duration_s"].get<double>(), 3.2);
  const nlohmann::json& result = json["results"].at(0);
  EXPECT_EQ(result["id"], "counter/racy");
  EXPECT_EQ(result["pattern"], "counter");
  EXPECT_EQ(result["variant"], "racy");
  EXPECT_EQ(result["expect"], "bug");
  EXPECT_EQ(result["verdict"], "detected");
  EXPECT_EQ(result["runs"], 1);
  EXPECT_EQ(result["runs_with_findings"], 1);
  EXPECT_DOUBLE_EQ(result["duration_s"].get<double>(), 0.41);
  EXPECT_EQ(result["outcomes"]["counter=\"7\""], 1);
  const nlohmann::json& finding = result["findings"].at(0);
  EXPECT_EQ(finding["detector"], "tsan");
  EXPECT_EQ(finding["kind"], "data-race");
  EXPECT_EQ(finding["count"], 1);
  EXPECT_EQ(finding["message"], "ThreadSanitizer: race \\ here");
  EXPECT_EQ(finding["locations"].at(0)["file"], "cases/counter/counter.cc");
  EXPECT_EQ(finding["locations"].at(0)["line"], 31);
  EXPECT_EQ(finding["locations"].at(0)["function"], "Increment");
  EXPECT_EQ(finding["locations"].at(0)["thread"], "T1");
  const nlohmann::json& summary = json["summary"];
  for (const char* key :
       {"total", "as_expected", "detected", "missed", "clean", "false_positives", "errors"}) {
    EXPECT_TRUE(summary.contains(key)) << key;
  }
  EXPECT_EQ(summary["total"], 1);
  EXPECT_EQ(summary["detected"], 1);
  EXPECT_FALSE(json.contains("detector_notes"));  // none: left out
}

TEST(JsonWriterTest, PerturbedRunsGiveSeedsOutcomesBySeedAndEachFindingsSeed) {
  CaseDeclaration declaration{
      "counter", "racy", Expect::kBug, {FindingKind::kDataRace}, {Detector::kTsan}};
  RunRecord clean_run;
  clean_run.observed = "counter=8";
  clean_run.seed = 4294967295u;
  RunRecord racy_run;
  racy_run.observed = "counter=5";
  racy_run.seed = 7;
  racy_run.findings = {Finding{Detector::kTsan,
                               FindingKind::kDataRace,
                               SanitizerReport{"ThreadSanitizer", "race"},
                               {Location{"cases/counter/counter.cc", 31, "Increment"}}}};
  Report report;
  report.results = {GradeCase(declaration, {clean_run, racy_run}, {Detector::kTsan})};
  report.summary = Summarize(report.results);
  const nlohmann::json result = nlohmann::json::parse(FormatJsonReport(report))["results"].at(0);
  EXPECT_EQ(result["seeds"], nlohmann::json::parse("[4294967295, 7]"));
  EXPECT_EQ(result["outcomes_by_seed"]["4294967295"], "counter=8; no finding");
  EXPECT_EQ(result["outcomes_by_seed"]["7"], "counter=5; tsan data-race");
  EXPECT_EQ(result["findings"].at(0)["seed"], 7);
  // Unperturbed: neither key.
  Report plain;
  plain.results = {GradeCase(declaration, {RunRecord{}}, {Detector::kTsan})};
  const nlohmann::json plain_result =
      nlohmann::json::parse(FormatJsonReport(plain))["results"].at(0);
  EXPECT_FALSE(plain_result.contains("seeds"));
  EXPECT_FALSE(plain_result.contains("outcomes_by_seed"));
}

TEST(JsonWriterTest, NamesEachDetectorThatCannotSeeTheProgram) {
  Report report;
  report.program = {"./server"};
  report.detector_notes = {DetectorNote{Detector::kLockorder, "statically linked",
                                        "lock-order inversions are invisible",
                                        "link it dynamically"}};
  const nlohmann::json json = nlohmann::json::parse(FormatJsonReport(report));
  ASSERT_EQ(json["detector_notes"].size(), 1u);
  const nlohmann::json& note = json["detector_notes"][0];
  EXPECT_EQ(note["detector"], "lockorder");
  EXPECT_EQ(note["why"], "statically linked");
  EXPECT_EQ(note["invisible"], "lock-order inversions are invisible");
  EXPECT_EQ(note["remedy"], "link it dynamically");
  EXPECT_EQ(note["message"],
            "lockorder cannot see this program (statically linked): lock-order inversions are "
            "invisible; link it dynamically");
}

}  // namespace
}  // namespace racelab
