// Tests the SARIF writer on a synthetic report: rules, results, locations
// (relative against SRCROOT, absolute as file: URIs, percent-encoded),
// suppressions of expected findings, and an unsuccessful invocation. The
// official validator runs on a real log in tools/racelab/racelab_cli_test.cc.
#include "harness/report/sarif_writer.h"

#include <nlohmann/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/report/grade.h"

namespace racelab {
namespace {

RunRecord RunRecordWith(std::vector<Finding> findings) {
  RunRecord run;
  run.wall = absl::Milliseconds(100);
  run.findings = std::move(findings);
  return run;
}

Report TwoCases() {
  const Finding race{Detector::kTsan,
                     FindingKind::kDataRace,
                     SanitizerReport{"ThreadSanitizer", "race"},
                     {Location{"cases/my dir/counter.cc", 31, "Increment", "T1", "write"},
                      Location{"/usr/include/c++/12/bits/std_mutex.h", 100, "lock", "T2", "read"}}};
  const Finding hang{Detector::kWatchdog, FindingKind::kHang, StuckRun{"no progress"}, {}};
  Report report;
  report.build = BuildInfo{"tsan", "GNU 12.2.0", "thread", "/src"};
  report.locations_root = "/src";
  const std::vector<Detector> active = {Detector::kTsan, Detector::kWatchdog};
  report.results = {
      GradeCase({"counter", "racy", Expect::kBug, {FindingKind::kDataRace}, {Detector::kTsan}},
                {RunRecordWith({race})}, active),
      GradeCase({"counter", "locked", Expect::kClean}, {RunRecordWith({hang})}, active)};
  report.summary = Summarize(report.results);
  return report;
}

TEST(SarifWriterTest, ARulePerKindAndAResultPerFinding) {
  const nlohmann::json log = nlohmann::json::parse(FormatSarifReport(TwoCases()));
  EXPECT_EQ(log["version"], "2.1.0");
  const nlohmann::json& run = log["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "racelab");
  EXPECT_EQ(run["tool"]["driver"]["rules"].size(), AllFindingKinds().size());
  EXPECT_EQ(run["originalUriBaseIds"]["SRCROOT"]["uri"], "file:///src/");
  ASSERT_EQ(run["results"].size(), 2u);

  const nlohmann::json& race = run["results"][0];
  EXPECT_EQ(race["ruleId"], "data-race");
  EXPECT_EQ(run["tool"]["driver"]["rules"][race["ruleIndex"].get<int>()]["id"], "data-race");
  EXPECT_EQ(race["message"]["text"], "counter/racy: ThreadSanitizer: race");
  const nlohmann::json& first = race["locations"][0]["physicalLocation"];
  EXPECT_EQ(first["artifactLocation"]["uri"], "cases/my%20dir/counter.cc");
  EXPECT_EQ(first["artifactLocation"]["uriBaseId"], "SRCROOT");
  EXPECT_EQ(first["region"]["startLine"], 31);
  const nlohmann::json& other = race["relatedLocations"][0];
  EXPECT_EQ(other["physicalLocation"]["artifactLocation"]["uri"],
            "file:///usr/include/c%2B%2B/12/bits/std_mutex.h");
  EXPECT_FALSE(other["physicalLocation"]["artifactLocation"].contains("uriBaseId"));
  EXPECT_EQ(other["message"]["text"], "T2 read in lock");
  // What the racy variant is for: suppressed, with the reason.
  EXPECT_EQ(race["suppressions"][0]["kind"], "external");

  const nlohmann::json& hang = run["results"][1];
  EXPECT_EQ(hang["ruleId"], "hang");
  EXPECT_FALSE(hang.contains("locations"));     // no site: no location at all
  EXPECT_FALSE(hang.contains("suppressions"));  // a false positive stays a problem
  EXPECT_EQ(run["invocations"][0]["executionSuccessful"], true);
}

TEST(SarifWriterTest, AnIncompleteRunIsAnUnsuccessfulInvocation) {
  Report report = TwoCases();
  report.complete = false;
  report.incomplete_reason = "interrupted by SIGINT";
  const nlohmann::json log = nlohmann::json::parse(FormatSarifReport(report));
  const nlohmann::json& invocation = log["runs"][0]["invocations"][0];
  EXPECT_EQ(invocation["executionSuccessful"], false);
  EXPECT_EQ(invocation["toolExecutionNotifications"][0]["message"]["text"],
            "incomplete run: interrupted by SIGINT");
}

}  // namespace
}  // namespace racelab
