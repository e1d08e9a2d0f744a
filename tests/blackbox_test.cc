// Black-box mode end to end: `racelab run -- PROGRAM` on the standalone
// programs in tests/programs/ (built with this preset's sanitizer, nothing of
// racelab linked in). Every buggy program must be reported with the right
// kind in every run, no correct one may be flagged, and a program that
// cannot be started must say why and exit 2.
#include <elf.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/detectors/detector.h"
#include "harness/model/build_info.h"
#include "harness/runner/program_inspection.h"
#include "tools/testing/invocation.h"
#include "tools/testing/scratch_dir.h"

namespace racelab {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kTimeout = "3";

struct Expectation {
  std::string program;
  bool bug = false;
  // Finding kinds that must all be reported, when the lock-order preload
  // library reaches the program's locks (gcc builds) ...
  std::vector<std::string> kinds;
  // ... and when it cannot (clang links its sanitizer runtime, interceptors
  // included, into the executable; ThreadSanitizer's race and misuse
  // reports and the watchdog are left). Empty for a buggy program: not
  // detectable there.
  std::vector<std::string> kinds_without_preload;
  bool needs_tsan = false;
};

std::string Name(const ::testing::TestParamInfo<Expectation>& info) { return info.param.program; }

void PrintTo(const Expectation& expectation, std::ostream* out) { *out << expectation.program; }

std::string ProgramPath(const std::string& name) {
  return std::string(RACELAB_BLACKBOX_PROGRAM_DIR) + "/" + name;
}

std::string TempDir() { return NewScratchDir("racelab_blackbox_test"); }

// Whether this preset's programs can be reached by LD_PRELOAD: not when
// clang linked a sanitizer runtime into them.
bool PreloadReachesThisPreset() {
  return !(ThisBuild().compiler.rfind("Clang", 0) == 0 && ThisBuild().sanitizer != "none");
}

struct BlackBoxRun {
  Invocation invocation;
  nlohmann::json report;
};

BlackBoxRun RunBlackBox(const std::vector<std::string>& options, const std::string& program) {
  const std::string json_path = TempDir() + "/report.json";
  std::vector<std::string> argv = {RACELAB_BINARY, "run",    "--timeout",
                                   kTimeout,       "--json", json_path};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--");
  argv.push_back(program);
  BlackBoxRun run;
  run.invocation = Invoke(argv);
  std::ifstream in(json_path);
  if (in.good()) run.report = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return run;
}

class BlackBoxProgramTest : public ::testing::TestWithParam<Expectation> {};

TEST_P(BlackBoxProgramTest, IsReportedAsItShouldBe) {
  const Expectation& expectation = GetParam();
  if (expectation.needs_tsan && !IsDetectorActive(Detector::kTsan)) {
    GTEST_SKIP() << expectation.program << " needs a ThreadSanitizer build (tsan, tsan-clang)";
  }
  const std::vector<std::string>& kinds =
      PreloadReachesThisPreset() ? expectation.kinds : expectation.kinds_without_preload;
  if (expectation.bug && kinds.empty()) {
    GTEST_SKIP() << expectation.program << " needs racelab's lock-order checker, which cannot be "
                 << "preloaded into a clang sanitizer build (TSan's own is off in black-box mode)";
  }
  // Two runs each: a racy program must be found in every run, not usually.
  BlackBoxRun run = RunBlackBox({"--repeat", "2", "--expect", expectation.bug ? "bug" : "clean"},
                                ProgramPath(expectation.program));
  EXPECT_EQ(run.invocation.exit_code, 0) << run.invocation.output;
  ASSERT_TRUE(run.report.is_object()) << run.invocation.output;
  ASSERT_EQ(run.report["results"].size(), 1u) << run.invocation.output;
  const nlohmann::json& result = run.report["results"][0];
  EXPECT_EQ(result["id"], "program/" + expectation.program);
  if (!expectation.bug) {
    EXPECT_EQ(result["verdict"], "clean") << run.invocation.output;
    EXPECT_EQ(result["findings"].size(), 0u) << run.invocation.output;
    return;
  }
  EXPECT_EQ(result["verdict"], "detected") << run.invocation.output;
  std::set<std::string> reported;
  for (const nlohmann::json& finding : result["findings"]) {
    reported.insert(finding["kind"].get<std::string>());
    if (finding["count"] != 2)
      ADD_FAILURE() << "found in " << finding["count"] << " of 2 runs: " << finding;
  }
  for (const std::string& kind : kinds) {
    EXPECT_TRUE(reported.count(kind)) << "no " << kind << " finding:\n" << run.invocation.output;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Programs, BlackBoxProgramTest,
    ::testing::Values(
        Expectation{"abba_deadlock", true, {"deadlock", "lock-order-inversion"}, {"hang"}},
        Expectation{"main_thread_deadlock", true, {"deadlock", "lock-order-inversion"}, {"hang"}},
        Expectation{"latent_inversion", true, {"lock-order-inversion"}, {}},
        Expectation{"gate_bypassed", true, {"lock-order-inversion"}, {}},
        Expectation{"wrapped_inversions", true, {"lock-order-inversion"}, {}},
        Expectation{"spin_inversion", true, {"lock-order-inversion"}, {}},
        Expectation{"stream_inversion", true, {"lock-order-inversion"}, {}},
        Expectation{"stream_deadlock", true, {"deadlock", "lock-order-inversion"}, {"hang"}},
        Expectation{"static_init_deadlock", true, {"deadlock", "lock-order-inversion"}, {"hang"}},
        Expectation{"static_init_first"},
        Expectation{"once_deadlock", true, {"deadlock", "lock-order-inversion"}, {"hang"}},
        Expectation{"once_first"}, Expectation{"join_under_lock", true, {"deadlock"}, {"hang"}},
        Expectation{"join_after_handoff"}, Expectation{"lost_wakeup", true, {"hang"}, {"hang"}},
        Expectation{"data_race", true, {"data-race"}, {"data-race"}, /*needs_tsan=*/true},
        Expectation{"mutex_misuse", true, {"mutex-misuse"}, {"mutex-misuse"}},
        Expectation{"destroy_locked", true, {"mutex-misuse"}, {}},
        Expectation{"use_after_destroy", true, {"mutex-misuse"}, {}},
        Expectation{"exit_holding", true, {"mutex-misuse"}, {}}, Expectation{"lock_lifecycle"},
        Expectation{"cond_two_mutexes", true, {"mutex-misuse"}, {}},
        Expectation{"cond_destroy_waited", true, {"mutex-misuse", "hang"}, {"hang"}},
        Expectation{"semaphore_overflow", true, {"mutex-misuse"}, {}},
        Expectation{"semaphore_destroy_waited", true, {"mutex-misuse", "hang"}, {"hang"}},
        Expectation{"cond_reinit_waited", true, {"mutex-misuse", "hang"}, {"hang"}},
        // Without the preload only the hang would show, and it is not steady
        // there: ThreadSanitizer reports the destroy or init as a race with
        // the waiter's read, and while its llvm-symbolizer works the run
        // does not look blocked (one run in two ended as a timeout).
        Expectation{"barrier_destroy_waited", true, {"mutex-misuse", "hang"}, {}},
        Expectation{"barrier_reinit_waited", true, {"mutex-misuse", "hang"}, {}},
        Expectation{"thread_joined_twice", true, {"mutex-misuse"}, {}},
        Expectation{"stack_mutex_reuse"},
        Expectation{"self_deadlock", true, {"self-deadlock"}, {"hang"}},
        Expectation{"crash", true, {"crash"}, {"crash"}}, Expectation{"trylock_reverse"},
        Expectation{"gate_lock"}, Expectation{"cond_handoff"}, Expectation{"hand_over_hand"},
        Expectation{"message_passing"}, Expectation{"spawns_children"}),
    Name);

// The lines of `program`'s own source that its lock-order findings name.
std::set<int> InversionLines(const BlackBoxRun& run, const std::string& program) {
  std::set<int> lines;
  for (const nlohmann::json& finding : run.report["results"][0]["findings"]) {
    if (finding["kind"] != "lock-order-inversion") continue;
    for (const nlohmann::json& location : finding["locations"]) {
      if (location["file"].get<std::string>().find("tests/programs/" + program + ".cc") !=
          std::string::npos) {
        lines.insert(location["line"].get<int>());
      }
    }
  }
  return lines;
}

// The sites of a lock-order finding come from the program's own debug info.
TEST(BlackBoxTest, SitesPointIntoTheProgramsSource) {
  if (!PreloadReachesThisPreset())
    GTEST_SKIP() << "the preload library cannot reach this preset's programs";
  BlackBoxRun run = RunBlackBox({"--expect", "bug"}, ProgramPath("latent_inversion"));
  ASSERT_TRUE(run.report.is_object()) << run.invocation.output;
  // Both acquisitions of both orders: lines 15, 16, 21 and 22.
  EXPECT_EQ(InversionLines(run, "latent_inversion"), (std::set<int>{15, 16, 21, 22}))
      << run.invocation.output;
}

// std::thread::join has no frame pointer (libstdc++ is built without), so
// the frame walk alone skips its caller; the join's site comes from the
// DWARF unwinder and is the program's own line.
TEST(BlackBoxTest, AJoinUnderALockNamesTheJoinsLine) {
  if (!PreloadReachesThisPreset())
    GTEST_SKIP() << "the preload library cannot reach this preset's programs";
  BlackBoxRun run = RunBlackBox({"--expect", "bug"}, ProgramPath("join_under_lock"));
  ASSERT_TRUE(run.report.is_object()) << run.invocation.output;
  std::set<std::string> joins;
  for (const nlohmann::json& finding : run.report["results"][0]["findings"]) {
    for (const nlohmann::json& location : finding["locations"]) {
      if (location.value("role", "").find("joins") == std::string::npos) continue;
      joins.insert(
          absl::StrCat(location["function"].get<std::string>(), ":", location["line"].get<int>()));
    }
  }
  EXPECT_EQ(joins, (std::set<std::string>{"main:28"})) << run.invocation.output;
}

// Spin locks are locks: an AB/BA through two of them names all four lines.
TEST(BlackBoxTest, ASpinLockInversionNamesItsLines) {
  if (!PreloadReachesThisPreset())
    GTEST_SKIP() << "the preload library cannot reach this preset's programs";
  BlackBoxRun run = RunBlackBox({"--expect", "bug"}, ProgramPath("spin_inversion"));
  ASSERT_TRUE(run.report.is_object()) << run.invocation.output;
  EXPECT_EQ(InversionLines(run, "spin_inversion"), (std::set<int>{17, 18, 25, 26}))
      << run.invocation.output;
}

// Three inversions whose locks are all taken through one wrapper are three
// findings, each naming its callers' lines rather than the wrapper's.
TEST(BlackBoxTest, InversionsThroughOneWrapperStayDistinct) {
  if (!PreloadReachesThisPreset())
    GTEST_SKIP() << "the preload library cannot reach this preset's programs";
  BlackBoxRun run = RunBlackBox({"--expect", "bug"}, ProgramPath("wrapped_inversions"));
  ASSERT_TRUE(run.report.is_object()) << run.invocation.output;
  std::set<std::set<int>> inversions;
  for (const nlohmann::json& finding : run.report["results"][0]["findings"]) {
    if (finding["kind"] != "lock-order-inversion") continue;
    std::set<int> lines;
    for (const nlohmann::json& location : finding["locations"]) {
      lines.insert(location["line"].get<int>());
    }
    inversions.insert(lines);
  }
  EXPECT_EQ(inversions,
            (std::set<std::set<int>>{{26, 27, 33, 34}, {40, 41, 47, 48}, {54, 55, 61, 62}}))
      << run.invocation.output;
}

// Built with -O2 and no frame pointers, as users build releases: every site
// is still the program's own line (the first frame's caller comes from what
// the DWARF unwinder taught the hooks, the rest of a slow path's site from
// the unwinder itself).
TEST(BlackBoxTest, SitesResolveInAnO2BuildWithoutFramePointers) {
  if (!PreloadReachesThisPreset())
    GTEST_SKIP() << "the preload library cannot reach this preset's programs";
  BlackBoxRun run = RunBlackBox({"--expect", "bug"}, ProgramPath("gate_bypassed_o2"));
  ASSERT_TRUE(run.report.is_object()) << run.invocation.output;
  EXPECT_EQ(InversionLines(run, "gate_bypassed"), (std::set<int>{30, 31, 37, 38}))
      << run.invocation.output;
  EXPECT_THAT(run.invocation.output, Not(HasSubstr("an unknown site")));
  BlackBoxRun join = RunBlackBox({"--expect", "bug"}, ProgramPath("join_under_lock_o2"));
  EXPECT_THAT(join.invocation.output,
              HasSubstr("join_under_lock.cc:28 in main [T1] (joins T2 here)"));
  EXPECT_THAT(join.invocation.output, Not(HasSubstr("an unknown site")));
}

// A cycle is guarded only if its gate was held at every acquisition: the
// step taken without it is the one the finding names.
TEST(BlackBoxTest, AnInversionWhoseGateWasBypassedNamesTheUngatedAcquisition) {
  if (!PreloadReachesThisPreset())
    GTEST_SKIP() << "the preload library cannot reach this preset's programs";
  BlackBoxRun run = RunBlackBox({"--expect", "bug"}, ProgramPath("gate_bypassed"));
  ASSERT_TRUE(run.report.is_object()) << run.invocation.output;
  // Journal then ledger under the gate (30, 31); ledger then journal in the
  // fix-up (37, 38), not under the gate (21, 22).
  EXPECT_EQ(InversionLines(run, "gate_bypassed"), (std::set<int>{30, 31, 37, 38}))
      << run.invocation.output;
}

// A deadlock through a hidden lock names it by its variable (the static a
// guard guards, the once flag), in the inversion and the wait-for cycle.
TEST(BlackBoxTest, HiddenLocksAreNamedByTheirVariables) {
  if (!PreloadReachesThisPreset())
    GTEST_SKIP() << "the preload library cannot reach this preset's programs";
  for (const auto& [program, name] : std::map<std::string, std::string>{
           {"static_init_deadlock", "static init guard of `Codecs()::table`"},
           {"once_deadlock", "once flag `table_once`"}}) {
    BlackBoxRun run = RunBlackBox({"--expect", "bug"}, ProgramPath(program));
    ASSERT_TRUE(run.report.is_object()) << run.invocation.output;
    std::set<std::string> named;
    for (const nlohmann::json& finding : run.report["results"][0]["findings"]) {
      if (finding["message"].get<std::string>().find(name) != std::string::npos) {
        named.insert(finding["kind"].get<std::string>());
      }
    }
    EXPECT_EQ(named, (std::set<std::string>{"deadlock", "lock-order-inversion"}))
        << run.invocation.output;
  }
}

// With the backstop far away, a deadlock ends the run by its state: as its
// wait-for cycle closes (main thread in it, and behind a shell that runs
// the program and then goes on), or once every thread has stayed blocked
// where the preload library cannot reach the program.
TEST(BlackBoxTest, ADeadlockEndsTheRunByItsStateNotByTheTimeout) {
  const std::string program = ProgramPath("main_thread_deadlock");
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{program},
        std::vector<std::string>{"/bin/sh", "-c", "\"$0\"; echo done", program}}) {
    std::vector<std::string> command = {RACELAB_BINARY, "run", "--timeout", "300",
                                        "--expect",     "bug", "--"};
    command.insert(command.end(), argv.begin(), argv.end());
    const Invocation run = Invoke(command);
    EXPECT_EQ(run.exit_code, 0) << run.output;
    if (PreloadReachesThisPreset()) {
      EXPECT_THAT(
          run.output,
          HasSubstr("watchdog deadlock x1: deadlock, found when its wait-for cycle closed"));
      EXPECT_THAT(run.output, HasSubstr("main_thread_deadlock.cc:"));
    } else {
      EXPECT_THAT(run.output, HasSubstr("every thread blocked for "));
    }
  }
}

// On a timeout, every thread's stack comes with the hang (where gdb exists).
TEST(BlackBoxTest, AHangCarriesEveryThreadsStack) {
  if (::access("/usr/bin/gdb", X_OK) != 0) GTEST_SKIP() << "gdb is not installed";
  BlackBoxRun run = RunBlackBox({"--expect", "bug"}, ProgramPath("lost_wakeup"));
  ASSERT_TRUE(run.report.is_object()) << run.invocation.output;
  bool stacks = false;
  for (const nlohmann::json& finding : run.report["results"][0]["findings"]) {
    const std::string details = finding.value("details", "");
    if (finding["kind"] == "hang" && details.find("Thread ") != std::string::npos &&
        details.find("lost_wakeup.cc") != std::string::npos) {
      stacks = true;
    }
  }
  EXPECT_TRUE(stacks) << run.invocation.output;
}

// Each detector that cannot see the program says so before the table, with
// what that hides and the flag that would let it see: in a build without
// ThreadSanitizer, tsan; without AddressSanitizer, asan; where the preload
// library cannot reach, lockorder.
TEST(BlackBoxTest, SaysWhichDetectorsCannotSeeTheProgramAndWhatToChange) {
  BlackBoxRun run = RunBlackBox({}, ProgramPath("gate_lock"));
  ASSERT_TRUE(run.report.is_object()) << run.invocation.output;
  std::set<std::string> expected;
  if (!IsDetectorActive(Detector::kTsan)) expected.insert("tsan");
  if (!IsDetectorActive(Detector::kAsan)) expected.insert("asan");
  if (!PreloadReachesThisPreset()) expected.insert("lockorder");
  std::set<std::string> noted;
  for (const nlohmann::json& note : run.report.value("detector_notes", nlohmann::json::array())) {
    noted.insert(note["detector"].get<std::string>());
    EXPECT_THAT(run.invocation.output.substr(0, run.invocation.output.find("CASE ")),
                HasSubstr("note: " + note["message"].get<std::string>()));
    EXPECT_FALSE(note["remedy"].get<std::string>().empty()) << note;
  }
  EXPECT_EQ(noted, expected) << run.invocation.output;
  if (expected.count("tsan") != 0) {
    EXPECT_THAT(run.invocation.output,
                HasSubstr("note: tsan cannot see this program (not built with -fsanitize=thread): "
                          "data races are invisible to this build"));
  }
}

TEST(BlackBoxTest, AFindingInAProgramExpectedCleanExitsOne) {
  BlackBoxRun run = RunBlackBox({}, ProgramPath("crash"));
  EXPECT_EQ(run.invocation.exit_code, 1) << run.invocation.output;
  EXPECT_THAT(run.invocation.output, HasSubstr("false-positive"));
  EXPECT_THAT(run.invocation.output, HasSubstr("worker: job 3 is missing"));  // its last output
}

TEST(BlackBoxTest, ACleanProgramExpectedBuggyExitsOne) {
  BlackBoxRun run = RunBlackBox({"--expect", "bug"}, ProgramPath("gate_lock"));
  EXPECT_EQ(run.invocation.exit_code, 1) << run.invocation.output;
  EXPECT_THAT(run.invocation.output, HasSubstr("missed"));
}

TEST(BlackBoxTest, AMissingProgramIsAClearError) {
  BlackBoxRun run = RunBlackBox({}, "/nonexistent/racelab/program");
  EXPECT_EQ(run.invocation.exit_code, 2);
  EXPECT_THAT(run.invocation.output,
              HasSubstr("cannot start '/nonexistent/racelab/program': not found"));
  BlackBoxRun unknown = RunBlackBox({}, "racelab-no-such-command");
  EXPECT_EQ(unknown.invocation.exit_code, 2);
  EXPECT_THAT(unknown.invocation.output, HasSubstr("not found"));
}

TEST(BlackBoxTest, ANonExecutableFileIsAClearError) {
  const std::string path = TempDir() + "/notes.txt";
  std::ofstream(path) << "not a program\n";
  BlackBoxRun run = RunBlackBox({}, path);
  EXPECT_EQ(run.invocation.exit_code, 2);
  EXPECT_THAT(run.invocation.output, HasSubstr("not executable"));
}

TEST(BlackBoxTest, AProgramForAnotherArchitectureIsAClearError) {
  // A copy of a real program with its ELF machine field set to AArch64.
  const std::string path = TempDir() + "/foreign";
  std::filesystem::copy_file(ProgramPath("gate_lock"), path);
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    const uint16_t aarch64 = EM_AARCH64;
    file.seekp(offsetof(Elf64_Ehdr, e_machine));
    file.write(reinterpret_cast<const char*>(&aarch64), sizeof aarch64);
  }
  BlackBoxRun run = RunBlackBox({}, path);
  EXPECT_EQ(run.invocation.exit_code, 2);
  EXPECT_THAT(run.invocation.output, HasSubstr("wrong architecture (built for AArch64"));
}

TEST(BlackBoxTest, InspectionAgreesOnWhetherThePreloadLibraryApplies) {
  absl::StatusOr<ProgramTraits> traits = InspectProgram(ProgramPath("gate_lock"));
  ASSERT_TRUE(traits.ok()) << traits.status();
  EXPECT_TRUE(traits->is_elf);
  EXPECT_EQ(traits->preload_reaches_locks, PreloadReachesThisPreset()) << traits->why_no_preload;
  EXPECT_EQ(traits->tsan, IsDetectorActive(Detector::kTsan));
  EXPECT_EQ(traits->asan, IsDetectorActive(Detector::kAsan));
}

}  // namespace
}  // namespace racelab
