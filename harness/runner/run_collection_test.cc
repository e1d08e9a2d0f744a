// Tests for CollectRun: how a child's end and what it left in its scratch
// directory become findings, errors and observations.
#include "harness/runner/run_collection.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/catalog/child_result.h"
#include "harness/report/finding_message.h"

namespace racelab {
namespace {

using ::testing::HasSubstr;

class CollectRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "collect_run_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ + "/" + name) << content;
  }
  static std::string Testdata(const std::string& name) {
    std::ifstream in(std::string(RACELAB_TESTDATA_DIR) + "/" + name);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  RunRecord Collect(const ChildOutcome& outcome, const Watchdog* watchdog = nullptr) {
    RunSubject subject = CatalogSubject();
    subject.project_root = "/tmp/tsr";
    subject.timeout = absl::Seconds(2);
    RunState state;
    if (watchdog != nullptr) state.watchdog.emplace(*watchdog);
    return CollectRun(outcome, dir_, subject, state, symbolizer_);
  }

  std::string dir_;
  Symbolizer symbolizer_;
};

ChildOutcome Exited(int code) {
  ChildOutcome outcome;
  outcome.end = ChildOutcome::End::kExited;
  outcome.exit_code = code;
  return outcome;
}

TEST_F(CollectRunTest, ACleanRunHasItsObservationAndNoFindings) {
  Write("result", FormatChildResult({"counter=400000", ChildResult::Oracle::kHeld, ""}));
  RunRecord record = Collect(Exited(0));
  EXPECT_TRUE(record.error.empty()) << record.error;
  EXPECT_TRUE(record.findings.empty());
  EXPECT_EQ(record.observed, "counter=400000");
}

// A process killed before it wrote anything (a forked child its parent
// gave up on) leaves an empty record file: nothing recorded, no error. A
// record file with something broken in it still is one.
TEST_F(CollectRunTest, AnEmptyRecordFileIsNothingRecordedButABrokenOneIsAnError) {
  Write("result", FormatChildResult({"counter=400000", ChildResult::Oracle::kHeld, ""}));
  Write("lockorder.4242.0", "");
  RunRecord record = Collect(Exited(0));
  EXPECT_TRUE(record.error.empty()) << record.error;
  EXPECT_TRUE(record.findings.empty());
  Write("lockorder.4243.0", "not a record file\n");
  EXPECT_THAT(Collect(Exited(0)).error, HasSubstr("lockorder.4243.0:1"));
}

TEST_F(CollectRunTest, TsanLogsAndAViolatedOracleAreFindings) {
  Write("tsan.1234", Testdata("tsan_gcc_race.txt"));
  Write("result", FormatChildResult({"counter=5", ChildResult::Oracle::kViolated, "lost 3"}));
  RunRecord record = Collect(Exited(66));
  EXPECT_TRUE(record.error.empty()) << record.error;
  ASSERT_EQ(record.findings.size(), 2u);
  EXPECT_EQ(record.findings[0].detector, Detector::kTsan);
  EXPECT_EQ(record.findings[0].kind, FindingKind::kDataRace);
  EXPECT_EQ(record.findings[1].detector, Detector::kOracle);
  EXPECT_EQ(record.findings[1].kind, FindingKind::kInvariant);
  EXPECT_THAT(FindingMessage(record.findings[1]), HasSubstr("lost 3"));
}

TEST_F(CollectRunTest, AKilledRunKeepsTheReportsItHadWritten) {
  Write("tsan.99", Testdata("tsan_gcc_inversion.txt"));
  ChildOutcome timed_out;
  timed_out.end = ChildOutcome::End::kTimedOut;
  RunRecord record = Collect(timed_out);
  EXPECT_TRUE(record.error.empty());
  ASSERT_EQ(record.findings.size(), 2u);
  EXPECT_EQ(record.findings[0].kind, FindingKind::kLockOrderInversion);
  EXPECT_EQ(record.findings[1].detector, Detector::kWatchdog);
  EXPECT_EQ(record.findings[1].kind, FindingKind::kHang);
  EXPECT_THAT(FindingMessage(record.findings[1]), HasSubstr("2s"));
}

// A sample of one thread, `wait` as it was, having run `cpu_ns` so far.
ThreadSample SampledThread(pid_t tid, ThreadWait wait, std::uint64_t cpu_ns) {
  ThreadSample thread;
  thread.pid = 100;
  thread.tid = tid;
  thread.name = "case";
  thread.state = wait == ThreadWait::kRunning ? 'R' : 'S';
  thread.syscall = wait == ThreadWait::kRunning ? -1 : 202;
  thread.cpu_ns = cpu_ns;
  thread.wait = wait;
  return thread;
}

TEST_F(CollectRunTest, ARunStillRunningAtItsTimeoutIsATimeoutNotAHang) {
  Watchdog watchdog;
  const absl::Time start = absl::UnixEpoch();
  watchdog.Observe(
      {SampledThread(100, ThreadWait::kBlocked, 5), SampledThread(101, ThreadWait::kRunning, 7)},
      start);
  watchdog.Observe(
      {SampledThread(100, ThreadWait::kBlocked, 5), SampledThread(101, ThreadWait::kRunning, 9)},
      start + absl::Seconds(2));
  ChildOutcome timed_out;
  timed_out.end = ChildOutcome::End::kTimedOut;
  RunRecord record = Collect(timed_out, &watchdog);
  ASSERT_EQ(record.findings.size(), 1u);
  EXPECT_EQ(record.findings[0].kind, FindingKind::kTimeout);
  EXPECT_THAT(FindingMessage(record.findings[0]), HasSubstr("still running after 2s, not blocked"));
}

TEST_F(CollectRunTest, ARunBlockedAtItsTimeoutIsAHangNamingItsThreads) {
  Watchdog watchdog;
  const absl::Time start = absl::UnixEpoch();
  for (int i = 0; i < 40; ++i) {
    watchdog.Observe({SampledThread(100, ThreadWait::kBlocked, 5)},
                     start + i * absl::Milliseconds(50));
  }
  ChildOutcome timed_out;
  timed_out.end = ChildOutcome::End::kTimedOut;
  RunRecord record = Collect(timed_out, &watchdog);
  ASSERT_EQ(record.findings.size(), 1u);
  EXPECT_EQ(record.findings[0].kind, FindingKind::kHang);
  EXPECT_THAT(FindingMessage(record.findings[0]), HasSubstr("no progress within 2s"));
  EXPECT_THAT(FindingMessage(record.findings[0]),
              HasSubstr("pid 100 (case) thread 100: blocked in futex wait"));
}

TEST_F(CollectRunTest, AStoppedRunIsAHangThatSaysWhy) {
  ChildOutcome stopped;
  stopped.end = ChildOutcome::End::kStopped;
  stopped.stop_reason = "every thread blocked for 200ms";
  RunRecord record = Collect(stopped);
  ASSERT_EQ(record.findings.size(), 1u);
  EXPECT_EQ(record.findings[0].kind, FindingKind::kHang);
  EXPECT_THAT(FindingMessage(record.findings[0]), HasSubstr("every thread blocked for 200ms"));
}

TEST_F(CollectRunTest, ASignalIsACrashWithTheLastOutputLine) {
  ChildOutcome crashed;
  crashed.end = ChildOutcome::End::kSignaled;
  crashed.signal = 11;
  crashed.output_head = "step 1\nabout to dereference\n";
  RunRecord record = Collect(crashed);
  ASSERT_EQ(record.findings.size(), 1u);
  EXPECT_EQ(record.findings[0].kind, FindingKind::kCrash);
  EXPECT_THAT(FindingMessage(record.findings[0]), HasSubstr("SIGSEGV"));
  EXPECT_THAT(FindingMessage(record.findings[0]), HasSubstr("about to dereference"));
}

TEST_F(CollectRunTest, NoResultAndNoFindingIsAnErrorNamingWhy) {
  ChildOutcome failed = Exited(2);
  failed.output_head = "racelab: unknown case id 'x/y'\n";
  RunRecord record = Collect(failed);
  EXPECT_THAT(record.error, HasSubstr("exit 2"));
  EXPECT_THAT(record.error, HasSubstr("unknown case id 'x/y'"));
}

TEST_F(CollectRunTest, AFloodIsAnError) {
  ChildOutcome flooded;
  flooded.end = ChildOutcome::End::kFlooded;
  flooded.output_bytes = size_t{70} << 20;
  EXPECT_THAT(Collect(flooded).error, HasSubstr("flooding"));
}

TEST_F(CollectRunTest, ACorruptResultFileIsAnError) {
  Write("result", "racelab-child-result/1\nobserved\tx\n");
  EXPECT_THAT(Collect(Exited(0)).error, HasSubstr("truncated"));
}

}  // namespace
}  // namespace racelab
