// Tests the lock-order analysis across record files: each process's cycles
// found by replaying its edges, with their steps and gate locks; orders in
// different processes never make a cycle; node names unique across files.
#include "harness/detectors/lockorder_analysis.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/lockorder/record_file.h"

namespace racelab {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A record file's text, parsed.
lockorder::Recording Parsed(const std::string& text) {
  absl::StatusOr<lockorder::Recording> recording = lockorder::ParseRecording(text, "test");
  EXPECT_TRUE(recording.ok()) << recording.status();
  return recording.ok() ? *std::move(recording) : lockorder::Recording{};
}

// The declarations of process `pid`'s record file: two threads, one site
// (in no file that resolves), locks 1, 2 and 3; edges follow.
std::string Header(int pid) {
  return "racelab-lockorder/2\nprocess " + std::to_string(pid) +
         " /bin/prog\nmodule 0 /nonexistent/prog\nthread 1 11\nthread 2 12\nsite 0 0+0x10\n"
         "lock 1 mutex 0x1000 0\nlock 2 mutex 0x2000 0\nlock 3 mutex 0x3000 0\n";
}

std::vector<std::string> Froms(const AnalyzedCycle& cycle) {
  std::vector<std::string> froms;
  for (const CycleStep& step : cycle.steps) froms.push_back(step.from + "@" + step.thread);
  return froms;
}

TEST(LockOrderAnalysisTest, TwoOrdersInOneProcessAreACycleWithBothSteps) {
  Symbolizer symbolizer;
  const LockOrderAnalysis analysis = AnalyzeRecordings(
      {Parsed(Header(100) + "edge 1 2 1 0 0 -\nedge 2 1 2 0 0 -\n")}, "/src", symbolizer);
  ASSERT_EQ(analysis.cycles.size(), 1u);
  const AnalyzedCycle& cycle = analysis.cycles[0];
  EXPECT_EQ(cycle.pid, 100);
  EXPECT_THAT(Froms(cycle), ElementsAre("M2@T2", "M1@T1"));
  EXPECT_EQ(cycle.steps[0].from_node, "p100_M2");
  EXPECT_THAT(cycle.gate_locks, IsEmpty());
  EXPECT_EQ(analysis.UnguardedCycles(), 1);
  ASSERT_EQ(analysis.edges.size(), 2u);
  EXPECT_TRUE(analysis.edges[0].in_cycle);
  EXPECT_TRUE(analysis.edges[1].in_cycle);
  EXPECT_EQ(analysis.locks.size(), 3u);
}

TEST(LockOrderAnalysisTest, ALockHeldAcrossEveryStepIsTheCyclesGate) {
  Symbolizer symbolizer;
  // Both threads hold lock 3 first: the cycle 1 -> 2 -> 1 is guarded by it.
  const LockOrderAnalysis analysis = AnalyzeRecordings(
      {Parsed(Header(100) +
              "held 0 - 3\nheld 1 0 1\nheld 2 0 2\n"
              "edge 3 1 1 0 0 @0\nedge 1 2 1 0 0 @1\nedge 3 2 2 0 0 @0\nedge 2 1 2 0 0 @2\n")},
      "/src", symbolizer);
  ASSERT_EQ(analysis.cycles.size(), 1u);
  EXPECT_THAT(analysis.cycles[0].gate_locks, ElementsAre("M3"));
  EXPECT_EQ(analysis.UnguardedCycles(), 0);
}

TEST(LockOrderAnalysisTest, AGateOneStepWasLaterTakenWithoutGuardsNothing) {
  Symbolizer symbolizer;
  // As above, then thread 1 takes 1 -> 2 again holding only lock 1.
  const LockOrderAnalysis analysis = AnalyzeRecordings(
      {Parsed(Header(100) +
              "held 0 - 3\nheld 1 0 1\nheld 2 0 2\nheld 3 - 1\n"
              "edge 3 1 1 0 0 @0\nedge 1 2 1 0 0 @1\nedge 3 2 2 0 0 @0\nedge 2 1 2 0 0 @2\n"
              "retaken 1 2 1 0 0 @3 @3\n")},
      "/src", symbolizer);
  ASSERT_EQ(analysis.cycles.size(), 1u);
  EXPECT_THAT(analysis.cycles[0].gate_locks, IsEmpty());
  EXPECT_EQ(analysis.UnguardedCycles(), 1);
}

TEST(LockOrderAnalysisTest, ALockHeldAcrossOnlyOneStepGuardsNothing) {
  Symbolizer symbolizer;
  const LockOrderAnalysis analysis = AnalyzeRecordings(
      {Parsed(Header(100) + "held 0 - 3\nheld 1 0 1\nedge 3 1 1 0 0 @0\nedge 1 2 1 0 0 @1\n"
                            "edge 2 1 2 0 0 -\n")},
      "/src", symbolizer);
  ASSERT_EQ(analysis.cycles.size(), 1u);
  EXPECT_THAT(analysis.cycles[0].gate_locks, IsEmpty());
  EXPECT_EQ(analysis.UnguardedCycles(), 1);
}

TEST(LockOrderAnalysisTest, OrdersInDifferentProcessesAreNoCycle) {
  Symbolizer symbolizer;
  const LockOrderAnalysis analysis = AnalyzeRecordings(
      {Parsed(Header(100) + "edge 1 2 1 0 0 -\n"), Parsed(Header(200) + "edge 2 1 1 0 0 -\n")},
      "/src", symbolizer);
  EXPECT_THAT(analysis.cycles, IsEmpty());
  ASSERT_EQ(analysis.edges.size(), 2u);
  EXPECT_EQ(analysis.FromNode(analysis.edges[0]), "p100_M1");
  EXPECT_EQ(analysis.FromNode(analysis.edges[1]), "p200_M2");
  EXPECT_EQ(analysis.ToNode(analysis.edges[1]), "p200_M1");
  EXPECT_THAT(analysis.files, ElementsAre("test", "test"));
  // Sites that resolve to nothing name no class: no hint about them.
  EXPECT_THAT(analysis.class_hints, IsEmpty());
  EXPECT_EQ(analysis.locks_without_class, 6);
}

}  // namespace
}  // namespace racelab
