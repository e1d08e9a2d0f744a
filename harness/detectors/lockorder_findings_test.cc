// Tests for turning lock-order records into findings: the watchdog's
// wait-for diagnosis (deadlock cycle vs hang) and guarded cycles.
#include "harness/detectors/lockorder_findings.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/detectors/wait_for_findings.h"
#include "harness/report/finding_message.h"

namespace racelab {
namespace {

using lockorder::Recording;
using ::testing::HasSubstr;

Recording WithLocks(int count) {
  Recording recording;
  for (lockorder::LockId id = 0; id < static_cast<lockorder::LockId>(count); ++id) {
    recording.locks[id] = lockorder::LockRecord{id, lockorder::LockKind::kMutex, 0x100u * (id + 1),
                                                lockorder::kNoSite};
  }
  recording.wait_dump_complete = true;
  return recording;
}

TEST(WaitForFindingTest, AWaitForCycleIsADeadlock) {
  Recording recording = WithLocks(3);
  recording.waits = {{1, 1, false, 2}, {2, 0, false, 1}, {3, 2, true, 0}};
  Symbolizer symbolizer;
  std::optional<Finding> finding = WaitForFinding(recording, "/src", symbolizer, "2s");
  ASSERT_TRUE(finding);
  EXPECT_EQ(finding->detector, Detector::kWatchdog);
  EXPECT_EQ(finding->kind, FindingKind::kDeadlock);
  EXPECT_THAT(FindingMessage(*finding), HasSubstr("T1 waits for M1, held by T2"));
  EXPECT_THAT(FindingMessage(*finding), HasSubstr("T2 waits for M0, held by T1"));
}

TEST(WaitForFindingTest, BlockedThreadsWithoutACycleAreAHang) {
  Recording recording = WithLocks(2);
  recording.waits = {{1, 0, true, 0}, {2, 1, false, 3}};  // T3 holds M1 but is not blocked
  Symbolizer symbolizer;
  std::optional<Finding> finding = WaitForFinding(recording, "/src", symbolizer, "2s");
  ASSERT_TRUE(finding);
  EXPECT_EQ(finding->kind, FindingKind::kHang);
  EXPECT_THAT(FindingMessage(*finding), HasSubstr("T1 waits on a condition variable (with M0)"));
  EXPECT_THAT(FindingMessage(*finding),
              HasSubstr("T2 waits for M1, held by T3 (which is not blocked on a lock)"));
}

TEST(WaitForFindingTest, AReadHeldLockSaysHowManyHoldItShared) {
  Recording recording = WithLocks(2);
  Recording::Wait writer{1, 0, false, 0};
  writer.readers = 2;
  recording.waits = {writer, {2, 1, false, 0}};
  Symbolizer symbolizer;
  std::optional<Finding> finding = WaitForFinding(recording, "/src", symbolizer, "2s");
  ASSERT_TRUE(finding);
  EXPECT_THAT(FindingMessage(*finding), HasSubstr("T1 waits for M0, held shared by 2 threads"));
  EXPECT_THAT(FindingMessage(*finding), HasSubstr("T2 waits for M1, held by no thread"));
}

TEST(WaitForFindingTest, NoThreadBlockedIsStillAHangThatSaysSo) {
  Recording recording = WithLocks(1);
  Symbolizer symbolizer;
  std::optional<Finding> finding = WaitForFinding(recording, "/src", symbolizer, "2s");
  ASSERT_TRUE(finding);
  EXPECT_EQ(finding->kind, FindingKind::kHang);
  EXPECT_THAT(FindingMessage(*finding), HasSubstr("no thread is blocked"));
}

TEST(WaitForFindingTest, NoCompleteDumpNoDiagnosis) {
  Recording recording = WithLocks(1);
  recording.wait_dump_complete = false;
  Symbolizer symbolizer;
  EXPECT_FALSE(WaitForFinding(recording, "/src", symbolizer, "2s"));
}

TEST(LockOrderFindingsTest, GuardedCyclesAreNotFindings) {
  Recording recording = WithLocks(3);
  recording.threads = {{1, 11}, {2, 12}};
  recording.inversions = {lockorder::InversionRecord{2, {1, 2, 1}, {0}},
                          lockorder::InversionRecord{2, {1, 2, 1}, {}}};
  recording.misuses = {
      lockorder::MisuseRecord{2, 0, lockorder::kNoSite, lockorder::MisuseKind::kUnlockNotOwner, 1}};
  Symbolizer symbolizer;
  std::vector<Finding> findings = LockOrderFindings(recording, "/src", symbolizer);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].kind, FindingKind::kLockOrderInversion);
  EXPECT_EQ(findings[1].kind, FindingKind::kMutexMisuse);
  EXPECT_THAT(FindingMessage(findings[1]), HasSubstr("T2 unlocks M0"));
  EXPECT_THAT(FindingMessage(findings[1]), HasSubstr("but T1 holds it"));
}

// Two sites in each of two binaries (this test, and addr2line itself), an
// edge between each pair: only a binary a finding's sites lie in gets an
// addr2line, and none does while nothing is found.
Recording WithEdgesInTwoModules() {
  Recording recording = WithLocks(4);
  recording.threads = {{1, 11}, {2, 12}};
  recording.modules = {{0, "/proc/self/exe"}, {1, "/usr/bin/addr2line"}};
  recording.sites = {
      {0, {{0, 0x1000}}}, {1, {{0, 0x1010}}}, {2, {{1, 0x1000}}}, {3, {{1, 0x1010}}}};
  // Each witness holds the edge's `from` (a version-1 held list).
  recording.held_lists = {{0}, {1}, {2}};
  using lockorder::kNoHeldSet;
  recording.edges = {lockorder::Edge{0, 1, {1, 0, 1, kNoHeldSet, 0}},
                     lockorder::Edge{1, 0, {2, 1, 0, kNoHeldSet, 1}},
                     lockorder::Edge{2, 3, {1, 2, 3, kNoHeldSet, 2}}};
  return recording;
}

TEST(LockOrderFindingsTest, SymbolisesOnlyTheSitesItsFindingsName) {
  Recording quiet = WithEdgesInTwoModules();
  Symbolizer quiet_symbolizer;
  EXPECT_THAT(LockOrderFindings(quiet, "/src", quiet_symbolizer), ::testing::IsEmpty());
  EXPECT_EQ(quiet_symbolizer.processes_started(), 0);

  Recording inverted = WithEdgesInTwoModules();
  inverted.inversions = {lockorder::InversionRecord{2, {0, 1, 0}, {}}};
  Symbolizer symbolizer;
  ASSERT_EQ(LockOrderFindings(inverted, "/src", symbolizer).size(), 1u);
  EXPECT_EQ(symbolizer.processes_started(),
            1);  // this binary's; addr2line's sites are in no finding
}

}  // namespace
}  // namespace racelab
