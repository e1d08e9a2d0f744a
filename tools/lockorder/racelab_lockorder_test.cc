// End-to-end tests of `racelab-lockorder report` on record files kept by a
// real `racelab run --lockorder-dir`.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/testing/invocation.h"
#include "tools/testing/scratch_dir.h"

namespace racelab {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Record files of one run of `case_id`, kept in a fresh directory.
std::vector<std::string> RecordFilesOf(const std::string& case_id) {
  const std::string dir = NewScratchDir("lockorder_tool_test");
  Invocation run = Invoke({RACELAB_BINARY, "run", "--filter", case_id, "--lockorder-dir", dir});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path());
  EXPECT_FALSE(files.empty());
  return files;
}

TEST(RacelabLockorderTest, PrintsTheLatentCycleWithBothThreadsAndFourSites) {
  std::vector<std::string> args = {RACELAB_LOCKORDER_BINARY, "report"};
  for (const std::string& file : RecordFilesOf("abba_deadlock/racy_latent")) args.push_back(file);
  const std::string json_path = NewScratchDir("lockorder_tool_test") + "/report.json";
  args.insert(args.end(), {"--json", json_path});
  Invocation report = Invoke(args);
  EXPECT_EQ(report.exit_code, 1) << report.output;
  EXPECT_THAT(report.output, HasSubstr("cycle 1: M1 -> M0 -> M1"));
  EXPECT_THAT(report.output,
              HasSubstr("T1 holds M0, taken at cases/abba_deadlock/abba_deadlock.cc:"));
  EXPECT_THAT(report.output,
              HasSubstr("T2 holds M1, taken at cases/abba_deadlock/abba_deadlock.cc:"));
  EXPECT_THAT(report.output,
              HasSubstr("then requests M0 at cases/abba_deadlock/abba_deadlock.cc:"));
  EXPECT_THAT(report.output,
              HasSubstr("then requests M1 at cases/abba_deadlock/abba_deadlock.cc:"));
  EXPECT_THAT(report.output, HasSubstr("1 cycle, 0 guarded"));

  std::ifstream in(json_path);
  const nlohmann::json json = nlohmann::json::parse(in);
  EXPECT_EQ(json["schema"], "racelab-lockorder-report/1");
  ASSERT_EQ(json["cycles"].size(), 1u);
  for (const auto& step : json["cycles"][0]["steps"]) {
    EXPECT_EQ(step["held_site"]["file"], "cases/abba_deadlock/abba_deadlock.cc");
    EXPECT_EQ(step["requested_site"]["file"], "cases/abba_deadlock/abba_deadlock.cc");
  }
}

TEST(RacelabLockorderTest, CorrectCodeHasNoCycleAndExitsZero) {
  std::vector<std::string> args = {RACELAB_LOCKORDER_BINARY, "report"};
  for (const std::string& file : RecordFilesOf("abba_deadlock/ordered")) args.push_back(file);
  Invocation report = Invoke(args);
  EXPECT_EQ(report.exit_code, 0) << report.output;
  EXPECT_THAT(report.output, HasSubstr("0 cycles, 0 guarded"));
}

TEST(RacelabLockorderTest, WritesDotWithTheCycleHighlighted) {
  std::vector<std::string> args = {RACELAB_LOCKORDER_BINARY, "report"};
  for (const std::string& file : RecordFilesOf("abba_deadlock/racy_latent")) args.push_back(file);
  const std::string dot_path = NewScratchDir("lockorder_tool_test") + "/report.dot";
  args.insert(args.end(), {"--dot", dot_path});
  EXPECT_EQ(Invoke(args).exit_code, 1);
  std::ifstream in(dot_path);
  std::stringstream dot;
  dot << in.rdbuf();
  EXPECT_THAT(dot.str(), HasSubstr("digraph lockorder"));
  EXPECT_THAT(dot.str(), HasSubstr("color=red"));
}

// Runs `program` with its records in a fresh directory, then the report
// tool on them with --json DIR/report.json; returns the report's output
// and the directory (removed by the caller).
Invocation RecordAndReport(const std::string& program, std::string& dir) {
  dir = ::testing::TempDir() + "lockorder_tool_test.XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return {};
  }
  ChildSpec spec;
  spec.argv = {program};
  spec.env = {{"RACELAB_LOCKORDER_FILE", dir + "/lockorder"}};
  spec.timeout = absl::Seconds(30);
  absl::StatusOr<ChildOutcome> run = RunChild(spec);
  if (!run.ok() || run->exit_code != 0) {
    ADD_FAILURE() << program << " did not run: "
                  << (run.ok() ? run->output_head : std::string(run.status().message()));
    return {};
  }
  std::vector<std::string> args = {RACELAB_LOCKORDER_BINARY, "report"};
  for (const auto& entry : std::filesystem::directory_iterator(dir)) args.push_back(entry.path());
  args.insert(args.end(), {"--json", dir + "/report.json"});
  return Invoke(args);
}

TEST(RacelabLockorderTest, HintsThatTransferOrderIsDecidedByTheData) {
  std::string dir;
  Invocation report = RecordAndReport(RACELAB_TRANSFER_PROGRAM, dir);
  const std::string json_path = dir + "/report.json";
  EXPECT_EQ(report.exit_code, 0) << "no cycle closed: a hint is not a finding\n" << report.output;
  EXPECT_THAT(report.output,
              HasSubstr("hint: 2 locks taken at tools/lockorder/transfer_test_program.cc:"));
  EXPECT_THAT(report.output, HasSubstr("2 locks were requested at "
                                       "tools/lockorder/transfer_test_program.cc:"));
  std::ifstream in(json_path);
  const nlohmann::json json = nlohmann::json::parse(in);
  ASSERT_EQ(json["class_hints"].size(), 1u) << json.dump(2);
  EXPECT_EQ(json["class_hints"][0]["kind"], "data-dependent-order");
  EXPECT_EQ(json["class_hints"][0]["held_locks"], 2);
  EXPECT_EQ(json["locks_without_class"], 0);
  std::filesystem::remove_all(dir);
}

// Built without line information, the same program's sites name no line of
// its own code (only glibc's, or none): no hint then, but a note, once.
TEST(RacelabLockorderTest, WithoutLineInformationSaysSoOnceInsteadOfHinting) {
  std::string dir;
  Invocation report = RecordAndReport(RACELAB_TRANSFER_PROGRAM_NO_LINES, dir);
  EXPECT_EQ(report.exit_code, 0) << report.output;
  EXPECT_THAT(report.output, Not(HasSubstr("hint:")));
  EXPECT_THAT(report.output, HasSubstr("first taken where no frame names a line of the "
                                       "program's own code"));
  std::ifstream in(dir + "/report.json");
  const nlohmann::json json = nlohmann::json::parse(in);
  EXPECT_TRUE(json["class_hints"].empty()) << json.dump(2);
  EXPECT_GE(json["locks_without_class"], 2) << json.dump(2);
  std::filesystem::remove_all(dir);
}

TEST(RacelabLockorderTest, BadInputIsRefusedWithFileAndLine) {
  const std::string bad = NewScratchDir("lockorder_tool_test") + "/report.bad";
  std::ofstream(bad) << "racelab-lockorder/1\nprocess 1 /x\nedge 0 1 1 - - -\n";
  Invocation report = Invoke({RACELAB_LOCKORDER_BINARY, "report", bad});
  EXPECT_EQ(report.exit_code, 2);
  EXPECT_THAT(report.output, HasSubstr(bad + ":3: lock 0 is not declared"));

  EXPECT_EQ(Invoke({RACELAB_LOCKORDER_BINARY, "report"}).exit_code, 2);
  EXPECT_EQ(Invoke({RACELAB_LOCKORDER_BINARY, "report", "/nonexistent.lockorder"}).exit_code, 2);
  EXPECT_EQ(Invoke({RACELAB_LOCKORDER_BINARY, "frob"}).exit_code, 2);
  EXPECT_EQ(Invoke({RACELAB_LOCKORDER_BINARY, "report", "x", "--bogus"}).exit_code, 2);
}

}  // namespace
}  // namespace racelab
