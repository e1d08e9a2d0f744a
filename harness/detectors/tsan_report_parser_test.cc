// Tests for the ThreadSanitizer parser on real reports captured from gcc 12
// and clang 14 builds (testdata/, made from testdata/tsan_reports_source.cc.txt
// compiled in /tmp/tsr, which is the project root these tests pass).
#include "harness/detectors/tsan_report_parser.h"

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/report/finding_message.h"

namespace racelab {
namespace {

using ::testing::HasSubstr;

constexpr char kRoot[] = "/tmp/tsr";

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(RACELAB_TESTDATA_DIR) + "/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class RealReportTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RealReportTest, DataRaceNamesBothAccessesInProjectCode) {
  std::vector<Finding> findings =
      ParseTsanOutput(ReadTestdata("tsan_" + GetParam() + "_race.txt"), kRoot);
  ASSERT_EQ(findings.size(), 1u);
  const Finding& race = findings[0];
  EXPECT_EQ(race.detector, Detector::kTsan);
  EXPECT_EQ(race.kind, FindingKind::kDataRace);
  ASSERT_EQ(race.locations.size(), 2u);  // current and previous access; not thread creation
  for (const Location& location : race.locations) {
    EXPECT_EQ(location.file, "r.cc");
    EXPECT_EQ(location.line, 8);
    EXPECT_THAT(location.thread, ::testing::AnyOf("T1", "T2"));
  }
  EXPECT_THAT(race.locations[1].role, HasSubstr("Previous write of size 4"));
  EXPECT_THAT(FindingMessage(race), HasSubstr("data race at r.cc:8"));
}

TEST_P(RealReportTest, LockOrderInversionNamesBothAcquisitions) {
  std::vector<Finding> findings =
      ParseTsanOutput(ReadTestdata("tsan_" + GetParam() + "_inversion.txt"), kRoot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kLockOrderInversion);
  ASSERT_GE(findings[0].locations.size(), 2u);
  EXPECT_EQ(findings[0].locations[0].file, "r.cc");
  EXPECT_EQ(findings[0].locations[0].line, 9);
  EXPECT_EQ(findings[0].locations[0].thread, "main");
  EXPECT_THAT(findings[0].locations[0].role, HasSubstr("acquired here while holding mutex"));
}

TEST_P(RealReportTest, UnlockByAnotherThreadIsMutexMisuse) {
  std::vector<Finding> findings =
      ParseTsanOutput(ReadTestdata("tsan_" + GetParam() + "_misuse.txt"), kRoot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kMutexMisuse);
  ASSERT_FALSE(findings[0].locations.empty());
  EXPECT_EQ(findings[0].locations[0].file, "r.cc");
  EXPECT_EQ(findings[0].locations[0].line, 11);
}

TEST_P(RealReportTest, OtherKinds) {
  EXPECT_EQ(ParseTsanOutput(ReadTestdata("tsan_" + GetParam() + "_leak.txt"), kRoot).at(0).kind,
            FindingKind::kThreadLeak);
  EXPECT_EQ(ParseTsanOutput(ReadTestdata("tsan_" + GetParam() + "_uaf.txt"), kRoot).at(0).kind,
            FindingKind::kUseAfterFree);
  EXPECT_EQ(
      ParseTsanOutput(ReadTestdata("tsan_" + GetParam() + "_destroylocked.txt"), kRoot).at(0).kind,
      FindingKind::kMutexMisuse);
}

INSTANTIATE_TEST_SUITE_P(GccAndClang, RealReportTest, ::testing::Values("gcc", "clang"));

TEST(TsanParserTest, AReportCutShortStillCounts) {
  const std::string full = ReadTestdata("tsan_gcc_race.txt");
  // Cut in the middle of the first stack, as a killed process would leave it.
  const std::string cut = full.substr(0, full.find("#3 "));
  std::vector<Finding> findings = ParseTsanOutput(cut, kRoot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kDataRace);
  ASSERT_EQ(findings[0].locations.size(), 1u);
  EXPECT_EQ(findings[0].locations[0].line, 8);
}

TEST(TsanParserTest, SeveralReportsAndNoiseAroundThem) {
  const std::string text = "program output\n" + ReadTestdata("tsan_gcc_race.txt") +
                           "\nmore noise\n" + ReadTestdata("tsan_clang_leak.txt");
  std::vector<Finding> findings = ParseTsanOutput(text, kRoot);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].kind, FindingKind::kDataRace);
  EXPECT_EQ(findings[1].kind, FindingKind::kThreadLeak);
  EXPECT_TRUE(ParseTsanOutput("no reports here\n#0 not a frame\n", kRoot).empty());
  EXPECT_TRUE(ParseTsanOutput("", kRoot).empty());
}

TEST(TsanParserTest, OutsideTheProjectFallsBackToTheFirstNonToolchainFrame) {
  std::vector<Finding> findings = ParseTsanOutput(ReadTestdata("tsan_gcc_race.txt"), "/elsewhere");
  ASSERT_EQ(findings.size(), 1u);
  ASSERT_FALSE(findings[0].locations.empty());
  EXPECT_EQ(findings[0].locations[0].file, "/tmp/tsr/r.cc");
}

TEST(TsanParserTest, PreloadedHookFramesAreNeverTheUsersLine) {
  // A program of someone else's (root /home/u/app) with racelab's preload
  // library between its lock call and TSan's interceptor.
  const std::string text =
      "WARNING: ThreadSanitizer: lock-order-inversion (potential deadlock) (pid=7)\n"
      "  Cycle in lock order graph: M1 (0x1) => M2 (0x2) => M1\n"
      "\n"
      "  Mutex M2 acquired here while holding mutex M1 in thread T1:\n"
      "    #0 pthread_mutex_lock ../sanitizer_common_interceptors.inc:4324 (libtsan.so.2+0x558e1)\n"
      "    #1 operator() /src/racelab/harness/lockorder/interpose.cc:452 "
      "(libracelab_lockorder_preload.so+0x9)\n"
      "    #2 pthread_mutex_lock /src/racelab/harness/lockorder/interpose.cc:460 "
      "(libracelab_lockorder_preload.so+0x9)\n"
      "    #3 Reserve /home/u/app/stock.cc:16 (app+0x1284)\n"
      "\n"
      "SUMMARY: ThreadSanitizer: lock-order-inversion (potential deadlock) "
      "/src/racelab/harness/lockorder/interpose.cc:452\n";
  for (const char* root : {"/home/u/app", "/elsewhere"}) {
    std::vector<Finding> findings = ParseTsanOutput(text, root);
    ASSERT_EQ(findings.size(), 1u);
    ASSERT_FALSE(findings[0].locations.empty());
    EXPECT_THAT(findings[0].locations[0].file, ::testing::EndsWith("stock.cc")) << root;
    EXPECT_EQ(findings[0].locations[0].line, 16);
  }
}

TEST(TsanParserTest, DeadlySignalIsACrash) {
  const std::string text =
      "ThreadSanitizer:DEADLYSIGNAL\n"
      "==42==ERROR: ThreadSanitizer: SEGV on unknown address 0x000000000000 (pc 0x1 bp 0x2 sp 0x3 "
      "T42)\n"
      "==42==The signal is caused by a WRITE memory access.\n"
      "    #0 Crash() /tmp/tsr/r.cc:20 (r_gcc+0x1234)\n"
      "SUMMARY: ThreadSanitizer: SEGV /tmp/tsr/r.cc:20 in Crash()\n";
  std::vector<Finding> findings = ParseTsanOutput(text, kRoot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].detector, Detector::kCrash);
  EXPECT_EQ(findings[0].kind, FindingKind::kCrash);
  EXPECT_THAT(FindingMessage(findings[0]), HasSubstr("SEGV on unknown address"));
  EXPECT_EQ(findings[0].locations.at(0).line, 20);
}

TEST(TsanParserTest, TitlesMapToKinds) {
  EXPECT_EQ(TsanTitleKind("data race on vptr (ctor/dtor vs virtual call)"), FindingKind::kDataRace);
  EXPECT_EQ(TsanTitleKind("heap-use-after-free (virtual call vs free)"),
            FindingKind::kUseAfterFree);
  EXPECT_EQ(TsanTitleKind("double lock of a mutex"), FindingKind::kSelfDeadlock);
  EXPECT_EQ(TsanTitleKind("read unlock of a write locked mutex"), FindingKind::kMutexMisuse);
  EXPECT_EQ(TsanTitleKind("signal-unsafe call inside of a signal handler"), FindingKind::kOther);
}

TEST(StackFrameTest, ParsesGccAndClangFrames) {
  std::optional<StackFrame> gcc =
      ParseStackFrame("    #3 operator() /tmp/tsr/r.cc:11 (r_gcc+0x267e)");
  ASSERT_TRUE(gcc);
  EXPECT_EQ(gcc->function, "operator()");
  EXPECT_EQ(gcc->file, "/tmp/tsr/r.cc");
  EXPECT_EQ(gcc->line, 11);
  EXPECT_EQ(gcc->module, "r_gcc");

  std::optional<StackFrame> clang = ParseStackFrame(
      "    #0 race()::$_1::operator()() const /tmp/tsr/r.cc:8:118 (r_clang+0xd6a78) (BuildId: "
      "64f5)");
  ASSERT_TRUE(clang);
  EXPECT_EQ(clang->function, "race()::$_1::operator()() const");
  EXPECT_EQ(clang->file, "/tmp/tsr/r.cc");
  EXPECT_EQ(clang->line, 8);

  std::optional<StackFrame> unknown =
      ParseStackFrame("    #9 <null> <null> (libstdc++.so.6+0xd44a2)");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->file, "");
  EXPECT_EQ(unknown->module, "libstdc++.so.6");

  std::optional<StackFrame> spaced = ParseStackFrame(
      "    #1 std::thread::_M_start_thread(std::unique_ptr<std::thread::_State>, void (*)()) "
      "<null> "
      "(libstdc++.so.6+0xd4578)");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->function,
            "std::thread::_M_start_thread(std::unique_ptr<std::thread::_State>, void (*)())");

  EXPECT_FALSE(ParseStackFrame("  Location is global 'counter'"));
  EXPECT_FALSE(ParseStackFrame("#x nope"));
}

}  // namespace
}  // namespace racelab
