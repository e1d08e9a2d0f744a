// What racelab guarantees when pointed at programs it did not write
// (docs/guarantees.md), proven end to end on hostile programs in
// tests/programs/: reports never harm what a path names, the program's files
// never receive racelab's bytes, exec wrappers and forked children are
// checked as their own images, nothing the program starts outlives the run,
// a foreign allocator keeps working, the exit status counts, and a bad
// record file is an error, never an abort.
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/model/build_info.h"
#include "tools/testing/invocation.h"
#include "tools/testing/scratch_dir.h"

namespace racelab {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Program(const std::string& name) {
  return std::string(RACELAB_BLACKBOX_PROGRAM_DIR) + "/" + name;
}

std::string TempDir() { return NewScratchDir("racelab_guarantees_test"); }

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The preload library reaches programs built without a sanitizer, and gcc
// sanitizer builds; not clang's (its runtime is linked into the program).
bool PreloadReachesThisPreset() {
  return !(ThisBuild().compiler.rfind("Clang", 0) == 0 && ThisBuild().sanitizer != "none");
}

struct RacelabRun {
  Invocation invocation;
  nlohmann::json report;
  // Kinds of the one result's findings.
  std::set<std::string> Kinds() const {
    std::set<std::string> kinds;
    if (!report.is_object() || report["results"].empty()) return kinds;
    for (const nlohmann::json& finding : report["results"][0]["findings"]) {
      kinds.insert(finding["kind"].get<std::string>());
    }
    return kinds;
  }
  std::string Verdict() const {
    if (!report.is_object() || report["results"].empty()) return "(no result)";
    return report["results"][0]["verdict"].get<std::string>();
  }
};

RacelabRun RunRacelab(const std::vector<std::string>& options,
                      const std::vector<std::string>& program) {
  const std::string json_path = TempDir() + "/report.json";
  std::vector<std::string> argv = {RACELAB_BINARY, "run", "--timeout", "20", "--json", json_path};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--");
  argv.insert(argv.end(), program.begin(), program.end());
  RacelabRun run;
  run.invocation = Invoke(argv);
  std::ifstream in(json_path);
  if (in.good()) run.report = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return run;
}

// Pids of running processes whose command line contains `needle`.
std::vector<pid_t> ProcessesRunning(const std::string& needle) {
  std::vector<pid_t> found;
  for (const fs::directory_entry& entry : fs::directory_iterator("/proc")) {
    pid_t pid = 0;
    try {
      pid = std::stoi(entry.path().filename().string());
    } catch (...) {
      continue;
    }
    if (pid == ::getpid()) continue;
    std::string command = Slurp(entry.path() / "cmdline");
    std::replace(command.begin(), command.end(), '\0', ' ');
    const std::string stat = Slurp(entry.path() / "stat");
    const size_t name_end = stat.rfind(')');
    const bool zombie =
        name_end != std::string::npos && name_end + 2 < stat.size() && stat[name_end + 2] == 'Z';
    if (!zombie && command.find(needle) != std::string::npos) found.push_back(pid);
  }
  return found;
}

// 1. Reports: a device stays a device, a link stays a link, a FIFO's
// reader gets the JSON, two flags for one file are refused.
TEST(GuaranteesTest, ReportPathsAreWrittenThroughNotReplaced) {
  const std::string dir = TempDir();
  const std::string device = dir + "/null";
  if (::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) {
    Invocation run =
        Invoke({RACELAB_BINARY, "run", "--filter", "counter/atomic", "--json", device});
    EXPECT_EQ(run.exit_code, 0) << run.output;
    struct stat status;
    ASSERT_EQ(::lstat(device.c_str(), &status), 0);
    EXPECT_TRUE(S_ISCHR(status.st_mode)) << "the device was replaced";
  }
  fs::create_directory(dir + "/real");
  fs::create_symlink("real/report.json", dir + "/link.json");
  const std::string fifo = dir + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string from_fifo;
  std::thread reader([&] { from_fifo = Slurp(fifo); });
  Invocation run = Invoke({RACELAB_BINARY, "run", "--filter", "counter/atomic", "--json",
                           dir + "/link.json", "--sarif", fifo});
  reader.join();
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(fs::is_symlink(dir + "/link.json"));
  EXPECT_EQ(nlohmann::json::parse(Slurp(dir + "/real/report.json"))["schema"], "racelab-report/1");
  EXPECT_EQ(nlohmann::json::parse(from_fifo)["version"], "2.1.0");

  Invocation same = Invoke({RACELAB_BINARY, "run", "--filter", "counter/atomic", "--json",
                            dir + "/real/report.json", "--html", dir + "/link.json"});
  EXPECT_EQ(same.exit_code, 2);
  EXPECT_THAT(same.output, HasSubstr("name the same file"));
  EXPECT_THAT(same.output, Not(HasSubstr("counter/atomic")));  // refused before anything ran
}

TEST(GuaranteesTest, DashIsStandardOutput) {
  Invocation run = Invoke({RACELAB_BINARY, "run", "--filter", "counter/atomic", "--json", "-"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("\"schema\": \"racelab-report/1\""));
}

// 2. The program's files hold only its own bytes, however it treats
// descriptors, and its inversion is still found.
TEST(GuaranteesTest, AProgramThatClosesEveryDescriptorKeepsItsFilesAndIsChecked) {
  if (!PreloadReachesThisPreset())
    GTEST_SKIP() << "the preload library cannot reach this preset's programs";
  const std::string dir = TempDir();
  RacelabRun run = RunRacelab({"--expect", "bug"}, {Program("closes_descriptors"), dir});
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Slurp(dir + "/own" + std::to_string(i) + ".txt"),
              "own line of file " + std::to_string(i) + "\n");
  }
  EXPECT_EQ(run.Verdict(), "detected") << run.invocation.output;
  EXPECT_TRUE(run.Kinds().count("lock-order-inversion")) << run.invocation.output;
}

// ... and an image that replaced itself with exec records into a file of
// its own: wrappers that exec the program lose nothing.
TEST(GuaranteesTest, AnExecWrappersInversionIsFound) {
  if (!PreloadReachesThisPreset())
    GTEST_SKIP() << "the preload library cannot reach this preset's programs";
  const std::string script = TempDir() + "/wrapper.sh";
  std::ofstream(script) << "#!/bin/sh\nexport WRAPPED=1\nexec " << Program("latent_inversion")
                        << "\n";
  ASSERT_EQ(::chmod(script.c_str(), 0755), 0);
  for (const std::vector<std::string>& program : {std::vector<std::string>{script},
                                                  {"env", Program("latent_inversion")},
                                                  {"nice", Program("latent_inversion")}}) {
    RacelabRun run = RunRacelab({"--expect", "bug"}, program);
    EXPECT_EQ(run.invocation.exit_code, 0) << program[0] << ":\n" << run.invocation.output;
    EXPECT_EQ(run.Verdict(), "detected") << program[0] << ":\n" << run.invocation.output;
    EXPECT_TRUE(run.Kinds().count("lock-order-inversion")) << program[0] << ":\n"
                                                           << run.invocation.output;
  }
}

// A child forked without exec has its own locks: one order in the parent
// and the other in the child is no inversion.
TEST(GuaranteesTest, AForkedChildsLocksAreItsOwn) {
  if (!PreloadReachesThisPreset())
    GTEST_SKIP() << "the preload library cannot reach this preset's programs";
  const std::string keep = TempDir();
  RacelabRun run = RunRacelab({"--lockorder-dir", keep}, {Program("forks_own_order")});
  EXPECT_EQ(run.Verdict(), "clean") << run.invocation.output;
  EXPECT_EQ(run.invocation.exit_code, 0) << run.invocation.output;
  // A record file per process, each with one order; under a sanitizer only
  // the parent's: the forked child is not checked there (hook_state.cc,
  // AfterForkInChild: gcc 12's ASan and TSan do not lock their allocator
  // across fork, and a child that allocates can hang).
  std::vector<std::string> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(keep))
    files.push_back(entry.path());
  EXPECT_EQ(files.size(), ThisBuild().sanitizer == "none" ? 2u : 1u);
  std::vector<std::string> argv = {RACELAB_LOCKORDER_BINARY, "report"};
  argv.insert(argv.end(), files.begin(), files.end());
  Invocation report = Invoke(argv);
  EXPECT_EQ(report.exit_code, 0) << report.output;  // no cycle in either process
}

// 200 forks while four threads lock without pause: no child hangs on a
// copy of the checker's state.
TEST(GuaranteesTest, ForksWhileOtherThreadsLockNeverHangAChild) {
  // 7-8 s under ThreadSanitizer on an idle machine: room for a busy one.
  RacelabRun run = RunRacelab({"--timeout", "90"}, {Program("fork_stress")});
  EXPECT_EQ(run.Verdict(), "clean") << run.invocation.output;
  EXPECT_EQ(run.invocation.exit_code, 0) << run.invocation.output;
}

// A perturbed run keeps each of the program's threads on one CPU; a
// program a thread starts (posix_spawn, fork + exec, a forked child) still
// gets every CPU the process had.
TEST(GuaranteesTest, PerturbedThreadsStartProgramsWithTheProcesssCpus) {
  RacelabRun run = RunRacelab({"--perturb", "--repeat", "2"}, {Program("spawns_from_threads")});
  EXPECT_EQ(run.Verdict(), "clean") << run.invocation.output;
  EXPECT_EQ(run.invocation.exit_code, 0) << run.invocation.output;
  // Not vacuous: the thread itself was kept on one CPU, where the process
  // may use two or more. Checked by preloading the library by hand, in the
  // build without a sanitizer (a sanitizer runtime must come first in the
  // preload list, which `racelab run` arranges and this check does not).
  cpu_set_t allowed;
  if (ThisBuild().sanitizer == "none" && sched_getaffinity(0, sizeof allowed, &allowed) == 0 &&
      CPU_COUNT(&allowed) > 1) {
    Invocation direct = Invoke({"/usr/bin/env", "LD_PRELOAD=" RACELAB_PRELOAD_LIBRARY,
                                "RACELAB_PERTURB=1:2", Program("spawns_from_threads")});
    EXPECT_EQ(direct.exit_code, 0) << direct.output;
    EXPECT_THAT(direct.output, HasSubstr(", thread 1,")) << direct.output;
  }
}

// 3. Nothing outlives the run, and what would have is named.
TEST(GuaranteesTest, DaemonsAndSetsidChildrenAreKilledAndNamed) {
  const std::string program = Program("daemonizes");
  RacelabRun run = RunRacelab({}, {program});
  EXPECT_EQ(run.Verdict(), "false-positive") << run.invocation.output;
  EXPECT_TRUE(run.Kinds().count("stray-process")) << run.invocation.output;
  bool named_both = false;
  for (const nlohmann::json& finding : run.report["results"][0]["findings"]) {
    if (finding["kind"] == "stray-process") {
      named_both =
          finding["message"].get<std::string>().find("left 2 processes") != std::string::npos;
      EXPECT_THAT(finding["message"].get<std::string>(), HasSubstr(program));
    }
  }
  EXPECT_TRUE(named_both) << run.invocation.output;
  EXPECT_TRUE(ProcessesRunning(program).empty());
}

std::vector<std::string> ScratchDirs(const std::string& tmp) {
  std::vector<std::string> dirs;
  for (const fs::directory_entry& entry : fs::directory_iterator(tmp)) {
    if (entry.path().filename().string().rfind("racelab-run.", 0) == 0)
      dirs.push_back(entry.path());
  }
  return dirs;
}

// Polls `done` every 10 ms for up to `limit`.
bool Eventually(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Starts racelab on a program that starts a daemon, kills racelab by
// SIGKILL (alone, or its whole process group, as a cancelled CI job is
// killed) once both run, and checks that neither outlives it and that the
// next racelab removes the scratch directory it left.
void KillRacelabAndExpectNothingLeft(bool whole_group) {
  const std::string tmp = TempDir();
  // Numbers that tell our two sleeps apart from anything else running.
  const std::string daemon_seconds = std::to_string((whole_group ? 3500 : 3000) + ::getpid() % 500);
  const std::string program_seconds =
      std::to_string((whole_group ? 5500 : 5000) + ::getpid() % 500);
  const std::string script =
      "setsid /bin/sleep " + daemon_seconds + " & exec /bin/sleep " + program_seconds;
  const pid_t racelab = ::fork();
  ASSERT_GE(racelab, 0);
  if (racelab == 0) {
    ::setpgid(0, 0);  // a group of its own, as a CI job's
    ::setenv("TMPDIR", tmp.c_str(), 1);
    ::execl(RACELAB_BINARY, RACELAB_BINARY, "run", "--timeout", "600", "--", "/bin/sh", "-c",
            script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto sleeping = [&](const std::string& seconds) {
    for (pid_t pid : ProcessesRunning("/bin/sleep " + seconds)) {
      if (Slurp("/proc/" + std::to_string(pid) + "/cmdline").rfind("/bin/sleep", 0) == 0)
        return true;
    }
    return false;
  };
  ASSERT_TRUE(Eventually([&] { return sleeping(daemon_seconds) && sleeping(program_seconds); },
                         std::chrono::seconds(30)))
      << "the program and its daemon never both started";
  ASSERT_EQ(::kill(whole_group ? -racelab : racelab, SIGKILL), 0);
  ASSERT_EQ(::waitpid(racelab, nullptr, 0), racelab);
  EXPECT_TRUE(Eventually([&] { return !sleeping(program_seconds); }, std::chrono::seconds(10)))
      << "the program outlived racelab";
  EXPECT_TRUE(Eventually([&] { return !sleeping(daemon_seconds); }, std::chrono::seconds(10)))
      << "the program's daemon outlived racelab";
  EXPECT_EQ(ScratchDirs(tmp).size(), 1u);  // SIGKILL gave racelab no chance to clean up
  Invocation next =
      Invoke({"/usr/bin/env", "TMPDIR=" + tmp, RACELAB_BINARY, "run", "--", "/bin/true"});
  EXPECT_EQ(next.exit_code, 0) << next.output;
  EXPECT_TRUE(ScratchDirs(tmp).empty()) << "the stale scratch directory is still there";
}

// A racelab killed outright takes its program with it, and the daemon the
// program started, and the next racelab removes the scratch directory it
// left.
TEST(GuaranteesTest, ARacelabKilledBySigkillLeavesNeitherProgramNorScratchDir) {
  KillRacelabAndExpectNothingLeft(/*whole_group=*/false);
}

// The same when racelab's whole process group is killed at once: the guard
// leads a group of its own, so it lives on to end the program and daemon.
TEST(GuaranteesTest, ARacelabGroupKilledBySigkillLeavesNeitherProgramNorScratchDir) {
  KillRacelabAndExpectNothingLeft(/*whole_group=*/true);
}

// A program that carries racelab's hooks itself (racelab's own binary here,
// running a catalog case as its children do) runs under the preloaded copy
// as it runs alone: the program's copy checks, the library's passes calls
// on. (The two copies' C++ helpers used to bind to each other, and the
// first free() went round between them for ever.)
TEST(GuaranteesTest, AProgramCarryingTheHooksItselfRunsUnderThePreload) {
  const std::string result = TempDir() + "/result";
  RacelabRun run = RunRacelab({}, {RACELAB_BINARY, "__child", "counter/atomic", result});
  EXPECT_EQ(run.invocation.exit_code, 0) << run.invocation.output;
  EXPECT_EQ(run.Verdict(), "clean") << run.invocation.output;
  EXPECT_TRUE(std::ifstream(result).good()) << "the case wrote no result";
}

// 5. The exit status is part of the case.
TEST(GuaranteesTest, ANonZeroExitIsNotClean) {
  RacelabRun run = RunRacelab({}, {"/bin/false"});
  EXPECT_EQ(run.invocation.exit_code, 1) << run.invocation.output;
  EXPECT_EQ(run.Verdict(), "false-positive") << run.invocation.output;
  EXPECT_TRUE(run.Kinds().count("exit-status")) << run.invocation.output;
  RacelabRun missing_script = RunRacelab({}, {"/bin/sh", "/nonexistent/racelab/script.sh"});
  EXPECT_TRUE(missing_script.Kinds().count("exit-status")) << missing_script.invocation.output;
  EXPECT_THAT(missing_script.invocation.output, HasSubstr("nonexistent"));  // its last output
  RacelabRun expected = RunRacelab({"--exit-code", "1"}, {"/bin/false"});
  EXPECT_EQ(expected.Verdict(), "clean") << expected.invocation.output;
  RacelabRun wrong = RunRacelab({"--exit-code", "1"}, {"/bin/true"});
  EXPECT_TRUE(wrong.Kinds().count("exit-status")) << wrong.invocation.output;
}

// 6. Lock semantics as POSIX defines them: an error-checking mutex's relock
// fails with EDEADLK and the program goes on: misuse, not a self-deadlock.
TEST(GuaranteesTest, AnErrorCheckingMutexRelockIsMisuseNotSelfDeadlock) {
  if (!PreloadReachesThisPreset())
    GTEST_SKIP() << "the preload library cannot reach this preset's programs";
  RacelabRun run = RunRacelab({"--expect", "bug"}, {Program("errorcheck_relock")});
  EXPECT_EQ(run.Verdict(), "detected") << run.invocation.output;
  EXPECT_TRUE(run.Kinds().count("mutex-misuse")) << run.invocation.output;
  EXPECT_FALSE(run.Kinds().count("self-deadlock")) << run.invocation.output;
  EXPECT_THAT(run.invocation.output, HasSubstr("EDEADLK"));
}

// ... and a signal handler that takes locks while its thread waits inside
// a lock call is not taken for a relock or an order (the lock the thread
// only waits for is not held).
TEST(GuaranteesTest, LocksInASignalHandlerDuringALockCallGiveNoFalseFinding) {
  // The program is built without a sanitizer: the preload reaches it in
  // every preset.
  RacelabRun run = RunRacelab({"--repeat", "3"}, {Program("signal_handler_locks")});
  EXPECT_EQ(run.Verdict(), "clean") << run.invocation.output;
  EXPECT_EQ(run.invocation.exit_code, 0) << run.invocation.output;
}

// A program with jemalloc as its allocator runs and is checked.
TEST(GuaranteesTest, AJemallocProgramRunsAndIsChecked) {
  RacelabRun run = RunRacelab({"--expect", "bug"}, {Program("jemalloc_inversion")});
  EXPECT_EQ(run.invocation.exit_code, 0) << run.invocation.output;
  EXPECT_EQ(run.Verdict(), "detected") << run.invocation.output;
  EXPECT_EQ(run.Kinds(), (std::set<std::string>{"lock-order-inversion"})) << run.invocation.output;
}

// 4. A record file a program scribbled on is an error of that run, never an
// abort; racelab-lockorder says where.
TEST(GuaranteesTest, ASelfEdgeIsAnErrorNotAnAbort) {
  const std::string file = TempDir() + "/bad.lockorder";
  std::ofstream(file) << "racelab-lockorder/1\nprocess 1 /x\nthread 1 7\nlock 0 mutex 0x10 -\n"
                      << "edge 0 0 1 - - -\n";
  Invocation report = Invoke({RACELAB_LOCKORDER_BINARY, "report", file});
  EXPECT_EQ(report.exit_code, 2) << report.output;
  EXPECT_THAT(report.output, HasSubstr("bad.lockorder:5: edge from lock 0 to itself"));
}

}  // namespace
}  // namespace racelab
