// Tests for watchdog.h: hangs judged from samples of thread states.
#include "harness/detectors/watchdog.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab {
namespace {

// The threads of the last sample, one line each, for comparing.
std::vector<std::string> ThreadLines(const std::vector<ThreadState>& states) {
  std::vector<std::string> lines;
  for (const ThreadState& state : states) {
    lines.push_back(absl::StrCat("pid ", state.pid, " (", state.process, ") thread ", state.tid,
                                 ": ", state.state));
  }
  return lines;
}

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ThreadSample Thread(pid_t tid, ThreadWait wait, std::uint64_t cpu_ns, std::uint64_t runs = 1) {
  ThreadSample thread;
  thread.pid = 10;
  thread.tid = tid;
  thread.name = "prog";
  thread.state = wait == ThreadWait::kRunning ? 'R' : 'S';
  thread.syscall = 202;
  thread.cpu_ns = cpu_ns;
  thread.run_count = runs;
  thread.wait = wait;
  return thread;
}

absl::Time At(int milliseconds) { return absl::UnixEpoch() + absl::Milliseconds(milliseconds); }

TEST(WatchdogTest, EveryThreadBlockedForTheQuietPeriodIsAHang) {
  Watchdog watchdog(absl::Milliseconds(200));
  const std::vector<ThreadSample> blocked = {Thread(10, ThreadWait::kBlocked, 50),
                                             Thread(11, ThreadWait::kBlocked, 70)};
  EXPECT_FALSE(watchdog.Observe(blocked, At(0)));
  EXPECT_FALSE(watchdog.Observe(blocked, At(100)));
  EXPECT_FALSE(watchdog.Observe(blocked, At(199)));
  EXPECT_TRUE(watchdog.Observe(blocked, At(200)));
  EXPECT_EQ(watchdog.blocked_for(), absl::Milliseconds(200));
  EXPECT_THAT(ThreadLines(watchdog.ThreadStates()),
              ElementsAre("pid 10 (prog) thread 10: blocked in futex wait",
                          "pid 10 (prog) thread 11: blocked in futex wait"));
}

TEST(WatchdogTest, AThreadThatRanBetweenSamplesStartsTheQuietPeriodAgain) {
  Watchdog watchdog(absl::Milliseconds(200));
  EXPECT_FALSE(watchdog.Observe({Thread(10, ThreadWait::kBlocked, 50)}, At(0)));
  EXPECT_FALSE(watchdog.Observe({Thread(10, ThreadWait::kBlocked, 50)}, At(150)));
  // Woken, ran, and blocked again between two samples: its CPU time moved.
  EXPECT_FALSE(watchdog.Observe({Thread(10, ThreadWait::kBlocked, 51)}, At(300)));
  EXPECT_FALSE(watchdog.Observe({Thread(10, ThreadWait::kBlocked, 51)}, At(450)));
  EXPECT_TRUE(watchdog.Observe({Thread(10, ThreadWait::kBlocked, 51)}, At(500)));
}

TEST(WatchdogTest, ASchedulingWithoutMeasurableCpuTimeStillCounts) {
  Watchdog watchdog(absl::Milliseconds(200));
  EXPECT_FALSE(watchdog.Observe({Thread(10, ThreadWait::kBlocked, 50, 3)}, At(0)));
  EXPECT_FALSE(watchdog.Observe({Thread(10, ThreadWait::kBlocked, 50, 4)}, At(250)));
  EXPECT_TRUE(watchdog.Observe({Thread(10, ThreadWait::kBlocked, 50, 4)}, At(450)));
}

TEST(WatchdogTest, ASleepingRunningOrNewThreadIsNotAHang) {
  Watchdog watchdog(absl::Milliseconds(100));
  for (int ms = 0; ms <= 1000; ms += 50) {
    EXPECT_FALSE(watchdog.Observe(
        {Thread(10, ThreadWait::kBlocked, 5), Thread(11, ThreadWait::kSleeping, 5)}, At(ms)));
  }
  Watchdog runnable(absl::Milliseconds(100));
  for (int ms = 0; ms <= 1000; ms += 50) {
    EXPECT_FALSE(runnable.Observe(
        {Thread(10, ThreadWait::kBlocked, 5), Thread(11, ThreadWait::kRunning, 5)}, At(ms)));
  }
  Watchdog growing(absl::Milliseconds(100));
  EXPECT_FALSE(growing.Observe({Thread(10, ThreadWait::kBlocked, 5)}, At(0)));
  EXPECT_FALSE(growing.Observe({Thread(10, ThreadWait::kBlocked, 5)}, At(90)));
  EXPECT_FALSE(growing.Observe(
      {Thread(10, ThreadWait::kBlocked, 5), Thread(12, ThreadWait::kBlocked, 0)}, At(120)));
}

TEST(WatchdogTest, RuntimeThreadsAndExitedThreadsAreNotCounted) {
  Watchdog watchdog(absl::Milliseconds(100));
  std::uint64_t runtime_cpu = 0;
  bool hung = false;
  for (int ms = 0; ms <= 100; ms += 50) {
    runtime_cpu += 1000;  // ThreadSanitizer's background thread wakes and runs
    hung = watchdog.Observe({Thread(10, ThreadWait::kGone, 1), Thread(11, ThreadWait::kBlocked, 5),
                             Thread(12, ThreadWait::kRuntime, runtime_cpu)},
                            At(ms));
  }
  EXPECT_TRUE(hung);
  EXPECT_THAT(ThreadLines(watchdog.ThreadStates()),
              ElementsAre(HasSubstr("thread 11: blocked in futex wait")));
}

TEST(WatchdogTest, NoThreadAtAllIsNotAHang) {
  Watchdog watchdog(absl::Milliseconds(100));
  EXPECT_FALSE(watchdog.Observe({}, At(0)));
  EXPECT_FALSE(watchdog.Observe({}, At(500)));
}

TEST(WatchdogTest, ProgressIsMeasuredFromTheLastSample) {
  Watchdog watchdog(absl::Milliseconds(200));
  EXPECT_TRUE(watchdog.ProgressedWithin(absl::Milliseconds(1)));  // nothing sampled yet
  watchdog.Observe({Thread(10, ThreadWait::kRunning, 5)}, At(0));
  watchdog.Observe({Thread(10, ThreadWait::kSleeping, 9)}, At(100));
  watchdog.Observe({Thread(10, ThreadWait::kSleeping, 9)}, At(700));
  EXPECT_TRUE(watchdog.ProgressedWithin(absl::Milliseconds(600)));
  EXPECT_FALSE(watchdog.ProgressedWithin(absl::Milliseconds(500)));
}

}  // namespace
}  // namespace racelab
