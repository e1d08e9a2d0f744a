// The lock-order checker on a program built without racelab, through the
// preload library (LD_PRELOAD=libracelab_lockorder_preload.so), and on the
// same program linked with the hooks and built with the preset's sanitizer
// (where frees are watched through the sanitizer's allocator hooks).
#include <signal.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/detectors/detector.h"
#include "harness/detectors/symbolizer.h"
#include "harness/lockorder/record_file.h"
#include "harness/process/child_process.h"

namespace racelab::lockorder {
namespace {

struct ProgramRun {
  ChildOutcome outcome;
  std::vector<Recording> recordings;  // one per process that recorded
};

// Runs `program` with the record file in a fresh directory, plus `env`;
// stops it (End::kStopped) when the hooks ask for a stop.
ProgramRun RunRecorded(const std::string& program,
                       std::vector<std::pair<std::string, std::string>> env,
                       std::vector<std::string> args = {}) {
  ProgramRun run;
  std::string dir = ::testing::TempDir() + "preload_test.XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return run;
  }
  ChildSpec spec;
  spec.argv = {program};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = std::move(env);
  spec.env.emplace_back("RACELAB_LOCKORDER_FILE", dir + "/lockorder");
  spec.timeout = absl::Seconds(30);
  const std::string stop_file = dir + "/lockorder-stop";
  spec.watch = [stop_file](int, int) {
    return std::filesystem::exists(stop_file) ? std::string("stop file") : std::string();
  };
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  if (!outcome.ok()) {
    ADD_FAILURE() << outcome.status();
  } else {
    run.outcome = *outcome;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename() == "lockorder-stop") continue;
    absl::StatusOr<Recording> recording = ReadRecording(entry.path());
    if (!recording.ok()) {
      ADD_FAILURE() << recording.status();
      continue;
    }
    run.recordings.push_back(*std::move(recording));
  }
  std::filesystem::remove_all(dir);
  return run;
}

// The program's own latent AB/BA is its only cycle: the two mutex pairs that
// reuse one heap block are new locks, not the old ones again.
void ExpectOnlyTheLatentInversion(const ProgramRun& run) {
  ASSERT_EQ(run.outcome.end, ChildOutcome::End::kExited) << run.outcome.output_head;
  EXPECT_EQ(run.outcome.exit_code, 0) << run.outcome.output_head;
  EXPECT_THAT(run.outcome.output_head, ::testing::HasSubstr("heap block reused: yes"))
      << "the allocator did not reuse the block, so the test proves nothing";
  ASSERT_EQ(run.recordings.size(), 1u) << "one process, one record file";
  const Recording& recording = run.recordings[0];
  EXPECT_THAT(recording.executable, ::testing::HasSubstr("test_program"));
  ASSERT_EQ(recording.inversions.size(), 1u);
  EXPECT_EQ(recording.inversions[0].cycle.size(), 3u);
  EXPECT_TRUE(recording.inversions[0].gate_locks.empty());
  EXPECT_TRUE(recording.misuses.empty());
  EXPECT_TRUE(recording.self_deadlocks.empty());
}

TEST(PreloadTest, FindsTheLatentInversionInAnUnmodifiedBinary) {
  ExpectOnlyTheLatentInversion(
      RunRecorded(RACELAB_PRELOAD_TEST_PROGRAM, {{"LD_PRELOAD", RACELAB_PRELOAD_LIBRARY}}));
}

// Records go to the file through its shared mapping as they are made: a
// process that ends without exit handlers, replaces its image, aborts or is
// killed outright leaves them all, in the preload and in a binary linked with
// the hooks; a child made without fork's handlers that execs leaves them to
// its parent (written twice, the file would not parse).
TEST(PreloadTest, RecordsSurviveUnderscoreExitQuickExitExecAbortAndSigkill) {
  for (const char* ending : {"_exit", "quick_exit", "exec", "abort", "sigkill", "clone-exec"}) {
    for (const char* program : {RACELAB_PRELOAD_TEST_PROGRAM, RACELAB_HOOKED_TEST_PROGRAM}) {
      std::vector<std::pair<std::string, std::string>> env;
      if (program == std::string(RACELAB_PRELOAD_TEST_PROGRAM)) {
        env.emplace_back("LD_PRELOAD", RACELAB_PRELOAD_LIBRARY);
      }
      const ProgramRun run = RunRecorded(program, env, {ending});
      int edges = 0;
      for (const Recording& recording : run.recordings) {
        if (absl::StrContains(recording.executable, "test_program")) {
          edges += static_cast<int>(recording.edges.size());
        }
      }
      EXPECT_EQ(edges, 1) << program << " ending with " << ending << ": "
                          << run.outcome.output_head;
    }
  }
}

// Whether some frame of some recorded site resolves to `source_file`.
bool SomeSiteIsIn(const Recording& recording, absl::string_view source_file) {
  Symbolizer symbolizer;
  for (const auto& [site, frames] : recording.sites) {
    for (const ModuleOffset& pc : frames) {
      auto module = recording.modules.find(pc.module);
      if (module == recording.modules.end()) continue;
      for (const SourceFrame& frame : symbolizer.Frames(module->second, pc.offset)) {
        if (absl::EndsWith(frame.file, source_file)) return true;
      }
    }
  }
  return false;
}

// A non-PIE executable is loaded at its link-time addresses: its sites'
// offsets must be those addresses, or addr2line knows none of them.
TEST(PreloadTest, SitesOfPieAndNonPieExecutablesResolveToTheirSourceLines) {
  for (const char* program : {RACELAB_PRELOAD_TEST_PROGRAM, RACELAB_PRELOAD_TEST_PROGRAM_NO_PIE}) {
    ProgramRun run = RunRecorded(program, {{"LD_PRELOAD", RACELAB_PRELOAD_LIBRARY}});
    ExpectOnlyTheLatentInversion(run);
    ASSERT_EQ(run.recordings.size(), 1u) << program;
    EXPECT_TRUE(SomeSiteIsIn(run.recordings[0], "harness/lockorder/preload_test_program.cc"))
        << program;
  }
}

TEST(PreloadTest, AbortsAtTheFirstCycleWhenAsked) {
  ProgramRun run =
      RunRecorded(RACELAB_PRELOAD_TEST_PROGRAM,
                  {{"LD_PRELOAD", RACELAB_PRELOAD_LIBRARY}, {"RACELAB_LOCKORDER_ABORT", "1"}});
  ASSERT_EQ(run.outcome.end, ChildOutcome::End::kSignaled) << DescribeEnd(run.outcome);
  EXPECT_EQ(run.outcome.signal, SIGABRT);
  ASSERT_EQ(run.recordings.size(), 1u);
  EXPECT_EQ(run.recordings[0].inversions.size(), 1u) << "recorded before the abort";
}

// The checker keeps what it learns in memory of its own (arena.h), never in
// the program's heap, where the program's memory errors could reach it: 2,000
// new lock chains leave the program's heap as it was (but for a few blocks
// racelab's output formatting keeps). Where the allocator does not count its
// bytes (a sanitizer's), there is nothing to measure.
TEST(PreloadTest, TheCheckersMemoryIsNotTheProgramsHeap) {
  for (const char* program : {RACELAB_PRELOAD_TEST_PROGRAM, RACELAB_HOOKED_TEST_PROGRAM}) {
    std::vector<std::pair<std::string, std::string>> env;
    if (program == std::string(RACELAB_PRELOAD_TEST_PROGRAM)) {
      env.emplace_back("LD_PRELOAD", RACELAB_PRELOAD_LIBRARY);
    }
    ProgramRun run = RunRecorded(program, env, {"heap-growth"});
    ASSERT_EQ(run.outcome.end, ChildOutcome::End::kExited) << DescribeEnd(run.outcome);
    if (absl::StrContains(run.outcome.output_head, "not counted")) {
      GTEST_SKIP() << "this build's allocator does not count its bytes";
    }
    long growth = -1;
    ASSERT_TRUE(std::sscanf(run.outcome.output_head.c_str(), "heap growth: %ld", &growth) == 1)
        << run.outcome.output_head;
    EXPECT_LT(growth, 16 * 1024) << program;
  }
}

TEST(HookedBinaryTest, FindsTheLatentInversionAndTellsReusedHeapLocksApart) {
  // No quarantine, so that AddressSanitizer hands the freed block back at
  // once; ThreadSanitizer's own deadlock detector would fail the run with
  // exit 66 for the latent AB/BA that this test wants racelab to find.
  ExpectOnlyTheLatentInversion(
      RunRecorded(RACELAB_HOOKED_TEST_PROGRAM,
                  {{"ASAN_OPTIONS", "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"},
                   {"TSAN_OPTIONS", "detect_deadlocks=0"}}));
}

// The hooks set up per-thread state and find the next pthread function on a
// thread's first lock; none of it may order one user thread after another
// for TSan. Deterministic: the program forces the schedule, so with the
// hooks' old function-local statics (whose guards TSan treats as
// acquire/release) or their old lazy initialisation this failed every run.
TEST(HookedBinaryTest, LeavesARaceBetweenTheFirstTwoLockingThreadsToTsan) {
  if (!IsDetectorActive(Detector::kTsan)) GTEST_SKIP() << "needs ThreadSanitizer";
  for (int round = 0; round < 5; ++round) {
    const ProgramRun run =
        RunRecorded(RACELAB_HIDDEN_RACE_TEST_PROGRAM, {{"TSAN_OPTIONS", "exitcode=66"}});
    ASSERT_EQ(run.outcome.end, ChildOutcome::End::kExited) << DescribeEnd(run.outcome);
    EXPECT_EQ(run.outcome.exit_code, 66) << "round " << round << ": TSan reported no race\n"
                                         << run.outcome.output_head;
    EXPECT_THAT(run.outcome.output_head,
                ::testing::HasSubstr("WARNING: ThreadSanitizer: data race"));
    ASSERT_EQ(run.recordings.size(), 1u) << "the checker was on";
  }
}

// The wait dump names each blocked thread's lock holder from the lock's own
// state: a std::mutex taken with try_lock and a std::shared_mutex taken
// exclusively (a pthread rwlock's writer) are both held by the holder; a
// std::shared_mutex held shared has one reader (glibc counts, not names,
// its readers).
TEST(HookedBinaryTest, TheWaitDumpNamesWhoHoldsEachAwaitedLock) {
  const ProgramRun run = RunRecorded(RACELAB_WAIT_DUMP_TEST_PROGRAM, {});
  ASSERT_EQ(run.outcome.end, ChildOutcome::End::kExited) << DescribeEnd(run.outcome);
  ASSERT_EQ(run.outcome.exit_code, 0) << run.outcome.output_head;
  long holder = 0, mutex_waiter = 0, writer_waiter = 0, reader_waiter = 0;
  ASSERT_EQ(std::sscanf(run.outcome.output_head.c_str(),
                        "holder %ld mutex_waiter %ld writer_waiter %ld reader_waiter %ld", &holder,
                        &mutex_waiter, &writer_waiter, &reader_waiter),
            4)
      << run.outcome.output_head;
  ASSERT_EQ(run.recordings.size(), 1u);
  const Recording& recording = run.recordings[0];
  ASSERT_TRUE(recording.wait_dump_complete);
  std::map<std::int64_t, std::uint32_t> thread_of;
  for (const auto& [thread, os_tid] : recording.threads) thread_of[os_tid] = thread;
  ASSERT_EQ(thread_of.count(holder), 1u);
  std::map<std::uint32_t, Recording::Wait> wait_of;
  for (const Recording::Wait& wait : recording.waits) wait_of[wait.thread] = wait;
  for (long waiter : {mutex_waiter, writer_waiter}) {
    ASSERT_EQ(wait_of.count(thread_of[waiter]), 1u) << "no wait recorded for tid " << waiter;
    const Recording::Wait& wait = wait_of[thread_of[waiter]];
    EXPECT_FALSE(wait.condition);
    EXPECT_EQ(wait.owner, thread_of[holder]) << "tid " << waiter;
  }
  EXPECT_NE(wait_of[thread_of[mutex_waiter]].lock, wait_of[thread_of[writer_waiter]].lock);
  ASSERT_EQ(wait_of.count(thread_of[reader_waiter]), 1u);
  EXPECT_EQ(wait_of[thread_of[reader_waiter]].owner, 0u);
  EXPECT_EQ(wait_of[thread_of[reader_waiter]].readers, 1u);
  ASSERT_EQ(wait_of.count(thread_of[holder]), 1u);
  EXPECT_TRUE(wait_of[thread_of[holder]].condition);
}

// --- Wait-for cycles, recorded as they close --------------------------------

// The one wait-for cycle a stopped scenario recorded, checked for shape:
// `steps` threads, each waiting somewhere known, on distinct locks.
WaitCycleRecord ExpectOneCycle(const ProgramRun& run, bool livelock, size_t steps) {
  EXPECT_EQ(run.outcome.end, ChildOutcome::End::kStopped) << DescribeEnd(run.outcome) << "\n"
                                                          << run.outcome.output_head;
  if (run.recordings.size() != 1u) {
    ADD_FAILURE() << run.recordings.size() << " record files";
    return {};
  }
  const Recording& recording = run.recordings[0];
  if (recording.wait_cycles.size() != 1u) {
    ADD_FAILURE() << recording.wait_cycles.size() << " wait cycles";
    return {};
  }
  const WaitCycleRecord& cycle = recording.wait_cycles[0];
  EXPECT_EQ(cycle.livelock, livelock);
  EXPECT_EQ(cycle.steps.size(), steps);
  std::set<std::uint32_t> threads;
  std::set<LockId> locks;
  size_t lock_steps = 0;
  for (const WaitCycleRecord::Step& step : cycle.steps) {
    threads.insert(step.thread);
    if (step.how != WaitHow::kJoin) {
      locks.insert(step.lock);
      ++lock_steps;
    }
    EXPECT_NE(step.waiting_site, kNoSite) << "T" << step.thread << " waits somewhere";
  }
  EXPECT_EQ(threads.size(), steps);
  EXPECT_EQ(locks.size(), lock_steps);
  return cycle;
}

std::vector<WaitHow> Hows(const WaitCycleRecord& cycle) {
  std::vector<WaitHow> hows;
  for (const WaitCycleRecord::Step& step : cycle.steps) hows.push_back(step.how);
  return hows;
}

TEST(WaitCycleTest, AnAbbaDeadlockIsRecordedWhenItClosesWithBothSitesOfEachThread) {
  const WaitCycleRecord cycle =
      ExpectOneCycle(RunRecorded(RACELAB_WAIT_CYCLE_TEST_PROGRAM, {}, {"abba"}), false, 2);
  EXPECT_THAT(Hows(cycle), ::testing::Each(WaitHow::kLock));
  for (const WaitCycleRecord::Step& step : cycle.steps) EXPECT_NE(step.held_site, kNoSite);
}

TEST(WaitCycleTest, AThreeThreadRingIsOneCycle) {
  ExpectOneCycle(RunRecorded(RACELAB_WAIT_CYCLE_TEST_PROGRAM, {}, {"three"}), false, 3);
}

TEST(WaitCycleTest, ACycleThroughAConditionVariablesMutexIsADeadlock) {
  const WaitCycleRecord cycle =
      ExpectOneCycle(RunRecorded(RACELAB_WAIT_CYCLE_TEST_PROGRAM, {}, {"condition"}), false, 2);
  EXPECT_THAT(Hows(cycle), ::testing::UnorderedElementsAre(WaitHow::kLock, WaitHow::kCondition));
}

TEST(WaitCycleTest, ASharedHoldAskedForExclusivelyWaitsForItself) {
  const WaitCycleRecord cycle =
      ExpectOneCycle(RunRecorded(RACELAB_WAIT_CYCLE_TEST_PROGRAM, {}, {"upgrade"}), false, 1);
  ASSERT_EQ(cycle.steps.size(), 1u);
  EXPECT_NE(cycle.steps[0].held_site, kNoSite);
  EXPECT_NE(cycle.steps[0].held_site, cycle.steps[0].waiting_site);
}

TEST(WaitCycleTest, ARelockedMutexWaitsForItself) {
  ExpectOneCycle(RunRecorded(RACELAB_WAIT_CYCLE_TEST_PROGRAM, {}, {"relock"}), false, 1);
}

TEST(WaitCycleTest, JoiningAThreadThatWaitsForALockTheJoinerHoldsIsADeadlock) {
  for (int round = 0; round < 3; ++round) {  // whichever of the two comes last closes it
    const WaitCycleRecord cycle =
        ExpectOneCycle(RunRecorded(RACELAB_WAIT_CYCLE_TEST_PROGRAM, {}, {"join"}), false, 1 + 1);
    EXPECT_THAT(Hows(cycle), ::testing::UnorderedElementsAre(WaitHow::kJoin, WaitHow::kLock));
  }
}

TEST(WaitCycleTest, TimedRetriesOnEachOthersLocksAreALivelock) {
  const WaitCycleRecord cycle =
      ExpectOneCycle(RunRecorded(RACELAB_WAIT_CYCLE_TEST_PROGRAM, {}, {"livelock"}), true, 2);
  EXPECT_THAT(Hows(cycle), ::testing::Each(WaitHow::kRetry));
}

TEST(WaitCycleTest, ThroughThePreloadLibraryToo) {
  ExpectOneCycle(RunRecorded(RACELAB_WAIT_CYCLE_PLAIN_PROGRAM,
                             {{"LD_PRELOAD", RACELAB_PRELOAD_LIBRARY}}, {"abba"}),
                 false, 2);
  ExpectOneCycle(RunRecorded(RACELAB_WAIT_CYCLE_PLAIN_PROGRAM,
                             {{"LD_PRELOAD", RACELAB_PRELOAD_LIBRARY}}, {"livelock"}),
                 true, 2);
}

// No cycle, no record: retries that back off, and heavy contention with
// condition-variable hand-offs (many blocking waits on held locks, each
// checked for a cycle), several times over.
TEST(WaitCycleTest, BackingOffAndPlainContentionAreNoCycle) {
  for (const char* scenario : {"backoff", "busy", "busy", "busy"}) {
    const ProgramRun run = RunRecorded(RACELAB_WAIT_CYCLE_TEST_PROGRAM, {}, {scenario});
    ASSERT_EQ(run.outcome.end, ChildOutcome::End::kExited)
        << scenario << ": " << DescribeEnd(run.outcome) << "\n"
        << run.outcome.output_head;
    EXPECT_EQ(run.outcome.exit_code, 0) << scenario;
    EXPECT_THAT(run.outcome.output_head, ::testing::HasSubstr("finished"));
    ASSERT_EQ(run.recordings.size(), 1u);
    EXPECT_TRUE(run.recordings[0].wait_cycles.empty()) << scenario;
  }
}

}  // namespace
}  // namespace racelab::lockorder
