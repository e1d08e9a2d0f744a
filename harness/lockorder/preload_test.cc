// The lock-order checker on a program built without racelab, through the
// preload library: LD_PRELOAD=libracelab_lockorder_preload.so.
#include <signal.h>
#include <stdlib.h>

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/lockorder/record_file.h"
#include "harness/runner/child_process.h"

namespace racelab::lockorder {
namespace {

TEST(PreloadTest, FindsTheLatentInversionInAnUnmodifiedBinary) {
  std::string dir = ::testing::TempDir() + "preload_test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  ChildSpec spec;
  spec.argv = {RACELAB_PRELOAD_TEST_PROGRAM};
  spec.env = {{"LD_PRELOAD", RACELAB_PRELOAD_LIBRARY},
              {"RACELAB_LOCKORDER_FILE", dir + "/lockorder"}};
  spec.timeout = absl::Seconds(30);
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(outcome->end, ChildOutcome::End::kExited) << outcome->output_head;
  EXPECT_EQ(outcome->exit_code, 0) << outcome->output_head;

  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path());
  ASSERT_EQ(files.size(), 1u) << "one process, one record file";
  absl::StatusOr<Recording> recording = ReadRecording(files[0]);
  ASSERT_TRUE(recording.ok()) << recording.status();
  EXPECT_THAT(recording->executable, ::testing::HasSubstr("preload_test_program"));
  ASSERT_EQ(recording->inversions.size(), 1u);
  EXPECT_EQ(recording->inversions[0].cycle.size(), 3u);
  EXPECT_TRUE(recording->inversions[0].gate_locks.empty());
  EXPECT_TRUE(recording->misuses.empty());
  EXPECT_TRUE(recording->self_deadlocks.empty());
  std::filesystem::remove_all(dir);
}

TEST(PreloadTest, AbortsAtTheFirstCycleWhenAsked) {
  std::string dir = ::testing::TempDir() + "preload_test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  ChildSpec spec;
  spec.argv = {RACELAB_PRELOAD_TEST_PROGRAM};
  spec.env = {{"LD_PRELOAD", RACELAB_PRELOAD_LIBRARY},
              {"RACELAB_LOCKORDER_FILE", dir + "/lockorder"},
              {"RACELAB_LOCKORDER_ABORT", "1"}};
  spec.timeout = absl::Seconds(30);
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(outcome->end, ChildOutcome::End::kSignaled) << DescribeEnd(*outcome);
  EXPECT_EQ(outcome->signal, SIGABRT);
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path());
  ASSERT_EQ(files.size(), 1u);
  absl::StatusOr<Recording> recording = ReadRecording(files[0]);
  ASSERT_TRUE(recording.ok()) << recording.status();
  EXPECT_EQ(recording->inversions.size(), 1u) << "recorded before the abort";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace racelab::lockorder
