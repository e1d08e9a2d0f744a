// Tests that a PipedProcess helper answers request after request, outlives
// the runs RunChild sweeps for strays, gives up on an answer that never
// completes, and is gone once its owner is.
#include "harness/process/piped_process.h"

#include <signal.h>

#include <cerrno>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/process/child_process.h"

namespace racelab {
namespace {

bool EndsWithLine(absl::string_view text, absl::string_view line) {
  return absl::EndsWith(text, absl::StrCat(line, "\n"));
}

TEST(PipedProcessTest, AnswersAcrossRunsAndEndsWithItsOwner) {
  absl::StatusOr<std::unique_ptr<PipedProcess>> cat = PipedProcess::Start({"cat"});
  ASSERT_TRUE(cat.ok()) << cat.status();
  const pid_t pid = (*cat)->pid();
  absl::StatusOr<std::string> first = (*cat)->Exchange(
      "one\n", [](absl::string_view text) { return EndsWithLine(text, "one"); }, absl::Seconds(10));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, "one\n");

  // A run in between sweeps every child it did not start but this helper.
  ChildSpec run;
  run.argv = {"true"};
  absl::StatusOr<ChildOutcome> outcome = RunChild(run);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_TRUE(outcome->stray_processes.empty());
  absl::StatusOr<std::string> second = (*cat)->Exchange(
      "two\n", [](absl::string_view text) { return EndsWithLine(text, "two"); }, absl::Seconds(10));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, "two\n");

  cat->reset();
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(PipedProcessTest, AnAnswerThatNeverCompletesEndsTheHelper) {
  absl::StatusOr<std::unique_ptr<PipedProcess>> cat = PipedProcess::Start({"cat"});
  ASSERT_TRUE(cat.ok()) << cat.status();
  const auto never = [](absl::string_view) { return false; };
  absl::StatusOr<std::string> answer = (*cat)->Exchange("x\n", never, absl::Milliseconds(100));
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(answer.status().message(), "'cat' did not answer within"))
      << answer.status();
  const auto anything = [](absl::string_view) { return true; };
  EXPECT_EQ((*cat)->Exchange("y\n", anything, absl::Seconds(1)).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(PipedProcessTest, AHelperThatExitsFirstIsAnErrorNotAHang) {
  absl::StatusOr<std::unique_ptr<PipedProcess>> quitter = PipedProcess::Start({"true"});
  ASSERT_TRUE(quitter.ok()) << quitter.status();
  const auto never = [](absl::string_view) { return false; };
  absl::StatusOr<std::string> answer = (*quitter)->Exchange("x\n", never, absl::Seconds(30));
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(answer.status().message(), "ended before it answered"))
      << answer.status();
}

TEST(PipedProcessTest, AMissingProgramIsNamed) {
  absl::StatusOr<std::unique_ptr<PipedProcess>> missing =
      PipedProcess::Start({"racelab-no-such-helper"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "racelab-no-such-helper"));
}

}  // namespace
}  // namespace racelab
