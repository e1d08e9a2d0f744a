// Tests for the words of every kind of evidence: what the console, JSON's
// "message", JUnit, SARIF and HTML all show.
#include "harness/report/finding_message.h"

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab {
namespace {

Location SourceAt(int line, std::string thread = "") {
  Location location;
  location.file = "a.cc";
  location.line = line;
  location.function = "Transfer";
  location.thread = std::move(thread);
  return location;
}

TEST(FindingMessageTest, ASanitizerReportNamesItsFirstSiteAndThreadsWhenItSaysSo) {
  const std::vector<Location> sites = {SourceAt(23, "T2"), SourceAt(23, "T4")};
  EXPECT_EQ(FindingMessage(SanitizerReport{"ThreadSanitizer", "data race", true}, sites),
            "ThreadSanitizer: data race at a.cc:23 in Transfer (threads T2, T4)");
  EXPECT_EQ(FindingMessage(SanitizerReport{"AddressSanitizer", "heap-use-after-free"}, sites),
            "AddressSanitizer: heap-use-after-free");
  EXPECT_EQ(FindingMessage(SanitizerReport{"ThreadSanitizer", "data race", true}, {}),
            "ThreadSanitizer: data race");
}

TEST(FindingMessageTest, AnInversionNamesItsLocksAndEachThreadsTwoSites) {
  LockCycle cycle;
  cycle.found = LockCycle::Found::kInversion;
  cycle.locks = {"M0", "M1", "M0"};
  ThreadStep first{ThreadStep::Act::kHoldsAndRequests, "T1", "M1", "M0"};
  first.held_at = SourceAt(30);
  first.at = SourceAt(32);
  ThreadStep second{ThreadStep::Act::kHoldsAndRequests, "T2", "M0", "M1"};
  second.held_at = SourceAt(30);  // `at` unknown
  cycle.steps = {first, second};
  EXPECT_EQ(FindingMessage(cycle, {}),
            "lock-order inversion M0 -> M1 -> M0: T1 holds M0 (a.cc:30) and requests M1 "
            "(a.cc:32); T2 holds M1 (a.cc:30) and requests M0 (an unknown site)");
}

TEST(FindingMessageTest, AClosedWaitCycleSaysHowEachThreadWaits) {
  LockCycle cycle;
  cycle.found = LockCycle::Found::kClosedWaitCycle;
  ThreadStep waits{ThreadStep::Act::kWaitsFor, "T1", "M1", "", "T2"};
  waits.at = SourceAt(32);
  waits.held_at = SourceAt(30);
  ThreadStep joins{ThreadStep::Act::kJoins, "T2", "M0", "", "T1"};
  ThreadStep needs{ThreadStep::Act::kNeedsBack, "T3", "M2", "", "T1"};
  cycle.steps = {waits, joins, needs};
  EXPECT_EQ(FindingMessage(cycle, {}),
            "deadlock, found when its wait-for cycle closed: T1 waits for M1 at a.cc:32, held by "
            "T2 (taken at a.cc:30); T2 joins T1; T3 waits on a condition variable and needs M2 "
            "back, held by T1");
  cycle.found = LockCycle::Found::kClosedLivelock;
  cycle.steps = {ThreadStep{ThreadStep::Act::kRetries, "T1", "M1", "", "T2"}};
  EXPECT_EQ(FindingMessage(cycle, {}),
            "livelock: threads retry each other's locks for ever: T1 keeps retrying M1, held by "
            "T2");
  cycle.found = LockCycle::Found::kDumpedWaitCycle;
  cycle.stop = "every thread blocked for 200ms";
  cycle.steps = {ThreadStep{ThreadStep::Act::kWaitsFor, "T1", "M1", "", "T2"}};
  EXPECT_EQ(FindingMessage(cycle, {}),
            "deadlock (every thread blocked for 200ms): T1 waits for M1, held by T2");
}

TEST(FindingMessageTest, SelfDeadlockAndMisuse) {
  SelfDeadlock self{"T1", "M0", /*held_shared=*/true, SourceAt(12), SourceAt(10)};
  EXPECT_EQ(FindingMessage(self, {}),
            "T1 requests M0 exclusively again at a.cc:12 while still holding it shared (taken "
            "at a.cc:10): unless another thread unlocks it for it, T1 waits for itself forever");
  EXPECT_EQ(FindingMessage(
                LockMisuse{LockMisuse::Kind::kUnlockNotOwner, "T2", "M0", "T1", SourceAt(5)}, {}),
            "T2 unlocks M0 at a.cc:5, but T1 holds it");
  EXPECT_EQ(FindingMessage(
                LockMisuse{LockMisuse::Kind::kUnlockNotOwner, "T2", "M0", "", SourceAt(5)}, {}),
            "T2 unlocks M0 at a.cc:5, but another thread holds it");
  EXPECT_EQ(FindingMessage(LockMisuse{LockMisuse::Kind::kWaitNotHeld, "T2", "M0", "", {}}, {}),
            "T2 waits on a condition with M0 at an unknown site, which it does not hold");
  LockMisuse two{LockMisuse::Kind::kWaitTwoMutexes, "T3", "condition variable `ready`", "",
                 SourceAt(9)};
  two.other_lock = "M1";
  EXPECT_EQ(FindingMessage(two, {}),
            "T3 waits on condition variable `ready` at a.cc:9 with another mutex than M1, the one "
            "other threads wait on it with (undefined: the waits of one condition variable must "
            "all use one mutex)");
  EXPECT_THAT(FindingMessage(LockMisuse{LockMisuse::Kind::kDestroyWaited, "T1",
                                        "condition variable M4", "", SourceAt(3)},
                             {}),
              testing::StartsWith("T1 destroys condition variable M4 at a.cc:3 while a thread "
                                  "still blocks on it, not woken"));
  EXPECT_THAT(
      FindingMessage(
          LockMisuse{LockMisuse::Kind::kPostOverflow, "T1", "semaphore M2", "", SourceAt(4)}, {}),
      testing::StartsWith("T1 posts semaphore M2 at a.cc:4 past its maximum value"));
  EXPECT_THAT(
      FindingMessage(
          LockMisuse{LockMisuse::Kind::kReinitWaited, "T2", "barrier `phase`", "", SourceAt(5)},
          {}),
      testing::StartsWith("T2 initialises barrier `phase` again at a.cc:5 while a thread still "
                          "blocks on it"));
  LockMisuse joined{LockMisuse::Kind::kJoinedTwice, "T1", "the thread created at a.cc:2", "",
                    SourceAt(8)};
  joined.earlier_at = SourceAt(6);
  EXPECT_THAT(FindingMessage(joined, {}),
              testing::StartsWith("T1 joins the thread created at a.cc:2 at a.cc:8, which was "
                                  "joined at a.cc:6 (undefined"));
  EXPECT_THAT(
      FindingMessage(LockMisuse{LockMisuse::Kind::kDetachJoined, "T1", "a thread", "", SourceAt(8)},
                     {}),
      testing::AllOf(testing::StartsWith("T1 detaches a thread at a.cc:8, which was "
                                         "joined (undefined"),
                     testing::EndsWith("detaches that thread instead)")));
}

TEST(FindingMessageTest, AStuckRunSaysWhatEveryThreadWaitsFor) {
  StuckRun dumped{"every thread blocked for 1s", /*dumped=*/true};
  ThreadStep shared{ThreadStep::Act::kWaitsFor, "T1", "M0"};
  shared.readers = 2;
  ThreadStep running{ThreadStep::Act::kWaitsFor, "T2", "M1", "", "T3"};
  running.holder_blocked = false;
  ThreadStep condition{ThreadStep::Act::kWaitsOnCondition, "T4", "M2"};
  condition.at = SourceAt(7);
  dumped.waits = {shared, running, condition};
  EXPECT_EQ(FindingMessage(dumped, {}),
            "every thread blocked for 1s, no lock cycle: T1 waits for M0, held shared by 2 "
            "threads; T2 waits for M1, held by T3 (which is not blocked on a lock); T4 waits on "
            "a condition variable (with M2) at a.cc:7");
  dumped.waits.clear();
  EXPECT_THAT(FindingMessage(dumped, {}), testing::HasSubstr("no thread is blocked on a lock"));
  StuckRun seen_in_proc{"no progress within 2s"};
  seen_in_proc.threads = {ThreadState{12, "prog", 14, "blocked in futex wait"}};
  EXPECT_EQ(FindingMessage(seen_in_proc, {}),
            "no progress within 2s; no wait-for state from the lock-order checker: pid 12 "
            "(prog) thread 14: blocked in futex wait");
}

TEST(FindingMessageTest, RunsThatEndedBadlyOrDidNotEnd) {
  EXPECT_EQ(FindingMessage(StillRunning{absl::Seconds(2), absl::Milliseconds(500)}, {}),
            "still running after 2s, not blocked (a thread ran within the last 500ms): slow, or "
            "a livelock");
  ProcessEnd died{ProcessEnd::How::kDied, "killed by SIGSEGV"};
  died.last_output = "about to dereference";
  EXPECT_EQ(FindingMessage(died, {}),
            "child died: killed by SIGSEGV; last output: about to dereference");
  ProcessEnd status{ProcessEnd::How::kExitStatus};
  status.exit_status = 3;
  EXPECT_EQ(FindingMessage(status, {}), "the program exited with status 3, not 0");
  EXPECT_EQ(FindingMessage(InvariantViolation{"counter=3, expected 4"}, {}),
            "invariant violated: counter=3, expected 4");
  EXPECT_EQ(FindingMessage(StrayProcesses{{"pid 5 (sleep)"}}, {}),
            "left 1 process running after it ended, killed by racelab: pid 5 (sleep)");
}

}  // namespace
}  // namespace racelab
