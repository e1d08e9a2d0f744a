// End-to-end tests of `racelab run --gtest`: the example project's test
// binary (examples/user_project/inventory_test.cc, built here with this
// preset's flags) run test by test, as a user would run their own.
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/model/build_info.h"
#include "nlohmann/json.hpp"
#include "tools/testing/invocation.h"
#include "tools/testing/scratch_dir.h"

namespace racelab {
namespace {

using ::testing::HasSubstr;

Invocation RacelabGtest(std::vector<std::string> args) {
  args.insert(args.begin(), RACELAB_BINARY);
  return Invoke(std::move(args));
}

// Whether racelab's lock-order checker reaches the example binary: not in
// a clang sanitizer build, whose statically linked runtime defines the lock
// functions before any preloaded library (racelab then says so in a note).
bool LockOrderSeesTheExample() {
  return !(ThisBuild().compiler.rfind("Clang", 0) == 0 && ThisBuild().sanitizer != "none");
}

// The JSON report's results, by case id.
std::map<std::string, nlohmann::json> GtestResultsById(const std::string& json_path) {
  std::ifstream in(json_path);
  const nlohmann::json report = nlohmann::json::parse(in);
  std::map<std::string, nlohmann::json> results;
  for (const nlohmann::json& result : report.at("results")) results[result.at("id")] = result;
  return results;
}

TEST(RacelabGtestModeTest, EachTestIsACaseAndTheInversionIsFoundInTheUsersCode) {
  const std::string json_path = NewScratchDir("racelab_gtest_mode") + "/report.json";
  Invocation run = RacelabGtest({"run", "--gtest", "--gtest_filter=-FlakyTest.*", "--repeat", "2",
                                 "--json", json_path, "--", RACELAB_EXAMPLE_GTEST_PROGRAM});
  const bool seen = LockOrderSeesTheExample();
  EXPECT_EQ(run.exit_code, seen ? 1 : 0) << run.output;  // a finding in the user's tests
  const std::map<std::string, nlohmann::json> results = GtestResultsById(json_path);
  ASSERT_EQ(results.size(), 4u) << run.output;
  for (const char* clean :
       {"gtest/WarehouseTest.AddsUp", "gtest/WarehouseTest.ConcurrentAddsAreAllCounted",
        "gtest/MoveTest.BackAndForthBothLocksAtOnce"}) {
    ASSERT_EQ(results.count(clean), 1u) << clean;
    EXPECT_EQ(results.at(clean).at("verdict"), "clean") << clean << "\n" << run.output;
    EXPECT_EQ(results.at(clean).at("outcomes").at("passed"), 2) << clean;
    EXPECT_EQ(results.at(clean).at("flaky"), false) << clean;
  }
  const nlohmann::json& racy = results.at("gtest/MoveTest.BackAndForth");
  if (!seen) {
    EXPECT_EQ(racy.at("verdict"), "clean") << run.output;
    EXPECT_THAT(run.output, HasSubstr("lockorder cannot see this program"));
    return;
  }
  EXPECT_EQ(racy.at("verdict"), "detected") << run.output;  // a bug in the user's code
  EXPECT_EQ(racy.at("outcomes").at("passed"), 2);           // GoogleTest alone sees nothing wrong
  bool inversion_in_user_code = false;
  for (const nlohmann::json& finding : racy.at("findings")) {
    if (finding.at("kind") != "lock-order-inversion" || finding.at("count") != 2) continue;
    for (const nlohmann::json& location : finding.at("locations")) {
      // The test's two calls whose lock orders disagree (inventory_test.cc:
      // both edges share MoveInArgumentOrder's own lines, so its callers
      // tell them apart).
      inversion_in_user_code |=
          absl::StrContains(location.value("file", ""), "examples/user_project/") &&
          location.value("line", 0) > 0;
    }
  }
  EXPECT_TRUE(inversion_in_user_code) << racy.dump(2);
  EXPECT_THAT(run.output, HasSubstr("gtest/MoveTest.BackAndForth"));
}

// The coin-flip test fails in about half of its runs: in 40 runs it both
// passes and fails except with probability 2 * 0.5^40 (below 2e-12).
TEST(RacelabGtestModeTest, ATestThatPassesAndFailsIsFlakyWithItsCounts) {
  const std::string json_path = NewScratchDir("racelab_gtest_mode") + "/report.json";
  Invocation run = RacelabGtest({"run", "--gtest_filter=FlakyTest.*", "--repeat", "40", "--json",
                                 json_path, "--", RACELAB_EXAMPLE_GTEST_PROGRAM});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  const std::map<std::string, nlohmann::json> results = GtestResultsById(json_path);
  ASSERT_EQ(results.count("gtest/FlakyTest.PassesAboutHalfTheTime"), 1u) << run.output;
  const nlohmann::json& flaky = results.at("gtest/FlakyTest.PassesAboutHalfTheTime");
  EXPECT_EQ(flaky.at("flaky"), true) << flaky.dump(2);
  const int passed = flaky.at("outcomes").at("passed");
  const int failed = flaky.at("outcomes").at("failed");
  EXPECT_EQ(passed + failed, 40);
  EXPECT_EQ(flaky.at("runs_with_findings"), failed);
  EXPECT_THAT(flaky.value("note", ""),
              HasSubstr("flaky: passed in " + std::to_string(passed) + " of 40 runs, failed in " +
                        std::to_string(failed)));
  ASSERT_FALSE(flaky.at("findings").empty());
  const nlohmann::json& failure = flaky.at("findings").at(0);
  EXPECT_EQ(failure.at("detector"), "gtest");
  EXPECT_EQ(failure.at("kind"), "test-failure");
  EXPECT_THAT(failure.at("message").get<std::string>(), HasSubstr("the coin came up tails"));
  EXPECT_TRUE(absl::EndsWith(failure.at("locations").at(0).value("file", ""),
                             "examples/user_project/inventory_test.cc"))
      << failure.dump(2);
}

// GoogleTest's sharding variables (as Bazel sets them) split the tests ×
// repeats between racelab processes: together the shards run each test as
// often as one process would, each run once, and the status file is
// touched; the test binary itself is not sharded (it runs its one test).
TEST(RacelabGtestModeTest, ShardsFromTheEnvironmentTogetherRunEveryTestOnce) {
  const std::string dir = NewScratchDir("racelab_gtest_mode");
  std::map<std::string, int> runs, inversions;
  for (const char* index : {"0", "1"}) {
    const std::string json_path = absl::StrCat(dir, "/shard", index, ".json");
    const Invocation shard =
        Invoke({"/usr/bin/env", "GTEST_TOTAL_SHARDS=2", absl::StrCat("GTEST_SHARD_INDEX=", index),
                absl::StrCat("GTEST_SHARD_STATUS_FILE=", dir, "/status"), RACELAB_BINARY, "run",
                "--gtest_filter=-FlakyTest.*", "--repeat", "3", "--jobs", "2", "--json", json_path,
                "--", RACELAB_EXAMPLE_GTEST_PROGRAM});
    EXPECT_NE(shard.exit_code, 2) << shard.output;
    std::ifstream in(json_path);
    const nlohmann::json report = nlohmann::json::parse(in);
    EXPECT_EQ(report.at("shard").at("count"), 2);
    for (const nlohmann::json& result : report.at("results")) {
      runs[result.at("id")] += result.at("runs").get<int>();
      EXPECT_FALSE(result.contains("errors")) << result.dump(2);
      for (const nlohmann::json& finding : result.at("findings")) {
        if (finding.at("kind") == "lock-order-inversion") {
          inversions[result.at("id")] += finding.at("count").get<int>();
        }
      }
    }
  }
  EXPECT_EQ(runs,
            (std::map<std::string, int>{{"gtest/MoveTest.BackAndForth", 3},
                                        {"gtest/MoveTest.BackAndForthBothLocksAtOnce", 3},
                                        {"gtest/WarehouseTest.AddsUp", 3},
                                        {"gtest/WarehouseTest.ConcurrentAddsAreAllCounted", 3}}));
  if (LockOrderSeesTheExample()) {
    EXPECT_EQ(inversions, (std::map<std::string, int>{{"gtest/MoveTest.BackAndForth", 3}}));
  } else {
    EXPECT_TRUE(inversions.empty());
  }
  EXPECT_TRUE(std::ifstream(dir + "/status").good());
}

// Two shards run separately and merged give the single run's report: the
// same cases in the same order, runs, verdicts and findings (the coin-flip
// test left out: its outcomes differ from run to run by design).
TEST(RacelabGtestModeTest, TwoShardsMergedEqualOneRun) {
  const std::string dir = NewScratchDir("racelab_gtest_mode");
  const std::vector<std::string> session = {"--gtest_filter=-FlakyTest.*", "--repeat", "3", "--",
                                            RACELAB_EXAMPLE_GTEST_PROGRAM};
  const auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), session.begin(), session.end());
    return RacelabGtest(std::move(args));
  };
  const int expected_exit = LockOrderSeesTheExample() ? 1 : 0;  // a finding in a test, or none
  const Invocation single = run({"run", "--jobs", "1", "--json", dir + "/single.json"});
  EXPECT_EQ(single.exit_code, expected_exit) << single.output;
  for (const char* shard : {"0", "1"}) {
    const Invocation part = run({"run", "--shard", absl::StrCat(shard, "/2"), "--json",
                                 absl::StrCat(dir, "/shard", shard, ".json")});
    EXPECT_NE(part.exit_code, 2) << part.output;
  }
  const Invocation merge = RacelabGtest(
      {"merge", dir + "/shard1.json", dir + "/shard0.json", "--json", dir + "/merged.json"});
  EXPECT_EQ(merge.exit_code, expected_exit) << merge.output;  // as the single run
  EXPECT_THAT(merge.output, HasSubstr("gtest/MoveTest.BackAndForth"));
  const auto essence = [](const std::string& path) {
    std::ifstream in(path);
    const nlohmann::json report = nlohmann::json::parse(in);
    nlohmann::json kept = nlohmann::json::array();
    for (const nlohmann::json& result : report.at("results")) {
      nlohmann::json findings = nlohmann::json::array();
      for (const nlohmann::json& finding : result.at("findings")) {
        findings.push_back({finding.at("detector"), finding.at("kind"), finding.at("count"),
                            finding.at("message"), finding.at("locations")});
      }
      kept.push_back({result.at("id"), result.at("verdict"), result.at("runs"),
                      result.at("runs_with_findings"), result.at("outcomes"), findings});
    }
    return nlohmann::json{kept, report.at("summary")};
  };
  EXPECT_EQ(essence(dir + "/merged.json"), essence(dir + "/single.json"));
  // Reports of different sessions are refused by name.
  const Invocation mixed = RacelabGtest({"merge", dir + "/shard0.json", dir + "/shard0.json"});
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_THAT(mixed.output, HasSubstr("are both shard 0 of 2"));
}

TEST(RacelabGtestModeTest, ABinaryWithoutTestsOrAFilterMatchingNoneIsAClearError) {
  Invocation none =
      RacelabGtest({"run", "--gtest_filter=NoSuchTest.*", "--", RACELAB_EXAMPLE_GTEST_PROGRAM});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.output, HasSubstr("lists no test that --gtest_filter=NoSuchTest.* selects"));
  Invocation not_gtest = RacelabGtest({"run", "--gtest", "--", "/bin/true"});
  EXPECT_EQ(not_gtest.exit_code, 2);
  EXPECT_THAT(not_gtest.output, HasSubstr("is it a GoogleTest binary?"));
  Invocation no_program = RacelabGtest({"run", "--gtest"});
  EXPECT_EQ(no_program.exit_code, 2);
  EXPECT_THAT(no_program.output, HasSubstr("racelab run --gtest -- TEST_BINARY"));
}

}  // namespace
}  // namespace racelab
