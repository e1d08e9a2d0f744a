// Tests for RunChild: every way a child can end is reported, and nothing it
// started survives the call.
#include "harness/process/child_process.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/testing/scratch_dir.h"

namespace racelab {
namespace {

using ::testing::HasSubstr;

ChildSpec Spec(std::vector<std::string> args, absl::Duration timeout = absl::Seconds(20)) {
  ChildSpec spec;
  spec.argv = {RACELAB_TEST_CHILD};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.timeout = timeout;
  return spec;
}

bool ProcessExists(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

TEST(ChildProcessTest, ReportsExitCodeAndCapturesBothStreams) {
  absl::StatusOr<ChildOutcome> outcome = RunChild(Spec({"print", "hello"}));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->end, ChildOutcome::End::kExited);
  EXPECT_EQ(outcome->exit_code, 0);
  EXPECT_THAT(outcome->output_head, HasSubstr("hello"));
  EXPECT_THAT(outcome->output_head, HasSubstr("to stderr"));

  outcome = RunChild(Spec({"exit", "7"}));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->end, ChildOutcome::End::kExited);
  EXPECT_EQ(outcome->exit_code, 7);
  EXPECT_EQ(DescribeEnd(*outcome), "exit 7");
}

TEST(ChildProcessTest, ReportsACrashBySignal) {
  absl::StatusOr<ChildOutcome> outcome = RunChild(Spec({"crash"}));
  ASSERT_TRUE(outcome.ok());
  ASSERT_EQ(outcome->end, ChildOutcome::End::kSignaled);
  EXPECT_EQ(outcome->signal, SIGSEGV);
  EXPECT_THAT(DescribeEnd(*outcome), HasSubstr("SIGSEGV"));
}

TEST(ChildProcessTest, ReportsAnAbort) {
  absl::StatusOr<ChildOutcome> outcome = RunChild(Spec({"abort"}));
  ASSERT_TRUE(outcome.ok());
  ASSERT_EQ(outcome->end, ChildOutcome::End::kSignaled);
  EXPECT_EQ(outcome->signal, SIGABRT);
}

TEST(ChildProcessTest, KillsAHangAtTheTimeout) {
  absl::StatusOr<ChildOutcome> outcome = RunChild(Spec({"hang"}, absl::Milliseconds(300)));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->end, ChildOutcome::End::kTimedOut);
  EXPECT_GE(outcome->wall, absl::Milliseconds(300));
  // Killed at the deadline, not left to run: a generous bound, not a benchmark.
  EXPECT_LT(outcome->wall, absl::Seconds(10));
}

TEST(ChildProcessTest, KillsAChildThatFloodsItsOutput) {
  ChildSpec spec = Spec({"flood", "100"});
  spec.output_limit = 8 << 20;
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->end, ChildOutcome::End::kFlooded);
  EXPECT_GT(outcome->output_bytes, spec.output_limit);
  EXPECT_LE(outcome->output_head.size(), spec.output_keep_head);
  EXPECT_LE(outcome->output_tail.size(), spec.output_keep_tail);
}

TEST(ChildProcessTest, A100MiBChildWithinTheLimitKeepsOnlyHeadAndTail) {
  ChildSpec spec = Spec({"flood", "100"});
  spec.output_limit = 200 << 20;
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->end, ChildOutcome::End::kExited);
  EXPECT_EQ(outcome->output_bytes, size_t{100} << 20);
  EXPECT_EQ(outcome->output_head.size(), spec.output_keep_head);
  EXPECT_EQ(outcome->output_tail.size(), spec.output_keep_tail);
}

TEST(ChildProcessTest, KillsGrandchildrenLeftInTheGroup) {
  absl::StatusOr<ChildOutcome> outcome = RunChild(Spec({"orphan"}));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->end, ChildOutcome::End::kExited);
  const size_t at = outcome->output_head.find("grandchild ");
  ASSERT_NE(at, std::string::npos) << outcome->output_head;
  int grandchild = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      outcome->output_head.substr(at + 11, outcome->output_head.find('\n', at) - at - 11),
      &grandchild));
  // Reaped by RunChild (we are its subreaper), so the pid no longer exists.
  EXPECT_FALSE(ProcessExists(grandchild));
}

TEST(ChildProcessTest, AMissingProgramIsAClearError) {
  ChildSpec spec;
  spec.argv = {"/nonexistent/racelab-no-such-program"};
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(outcome.status().message(), HasSubstr("racelab-no-such-program"));

  spec.argv = {"racelab-no-such-program-in-path"};
  EXPECT_EQ(RunChild(spec).status().code(), absl::StatusCode::kNotFound);
}

TEST(ChildProcessTest, ANonExecutableFileIsAClearError) {
  ChildSpec spec;
  spec.argv = {RACELAB_TESTDATA_DIR "/tsan_gcc_race.txt"};
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kPermissionDenied);
}

// An executable file with no #! line runs under /bin/sh, as execvp runs it.
TEST(ChildProcessTest, AScriptWithoutAnInterpreterLineRunsUnderTheShell) {
  const std::string script = NewScratchDir("racelab-script") + "/no-shebang";
  {
    std::ofstream out(script);
    out << "echo \"run by the shell with $# arguments: $1\"\nexit 3\n";
  }
  ASSERT_EQ(::chmod(script.c_str(), 0755), 0);
  ChildSpec spec;
  spec.argv = {script, "first"};
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->exit_code, 3);
  EXPECT_EQ(outcome->output_head, "run by the shell with 1 arguments: first\n");
}

TEST(ChildProcessTest, PassesEnvironmentOverrides) {
  ChildSpec spec;
  spec.argv = {"/bin/sh", "-c", "printf '%s' \"$RACELAB_TEST_VALUE\""};
  spec.env = {{"RACELAB_TEST_VALUE", "from the runner"}};
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->output_head, "from the runner");
}

// The guard is a fork of this process: a thread of ours that has ended but
// is not joined yet (a --jobs worker that found no more work) must not
// change the program's exit status, and the guard prints nothing of its
// own. (Under ThreadSanitizer the guard's _exit ran TSan's finalisation,
// which reported that thread as leaked on our standard error and could end
// the guard with status 66.)
TEST(ChildProcessTest, AnEndedThreadOfOursDoesNotChangeTheProgramsStatus) {
  static std::atomic<pid_t> ended_tid{0};
  pthread_t ended;
  ASSERT_EQ(::pthread_create(
                &ended, nullptr,
                [](void*) -> void* {
                  ended_tid.store(static_cast<pid_t>(::syscall(SYS_gettid)));
                  return nullptr;
                },
                nullptr),
            0);
  // Until the thread has exited (its task is gone), unjoined.
  while (ended_tid.load() == 0 ||
         std::filesystem::exists(absl::StrCat("/proc/self/task/", ended_tid.load()))) {
    ::usleep(1000);
  }
  const std::string errors = NewScratchDir("child_process_test") + "/stderr";
  const int saved_stderr = ::dup(STDERR_FILENO);
  const int file = ::open(errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(file, STDERR_FILENO);
  ChildSpec spec;
  spec.argv = {"/bin/sh", "-c", "exit 3"};
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  ::dup2(saved_stderr, STDERR_FILENO);
  ::close(saved_stderr);
  ::close(file);
  ::pthread_join(ended, nullptr);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->end, ChildOutcome::End::kExited);
  EXPECT_EQ(outcome->exit_code, 3) << outcome->output_head;
  std::ifstream in(errors);
  const std::string printed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(printed, "") << "the guard printed";
}

// A guard killed from outside cannot kill what the program left running:
// that comes to us (the subreaper), and RunChild kills and names it.
// AddressSanitizer's hook on every allocation; null without one.
extern "C" [[gnu::weak]] int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void*, size_t), void (*free_hook)(const volatile void*));

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
constexpr bool kAddressSanitizer = __has_feature(address_sanitizer);
#else
constexpr bool kAddressSanitizer = false;
#endif

// Allocations made by a process forked from this one (the guard), counted
// in memory this process shares with its forks.
std::atomic<int>* allocations_in_forks = nullptr;
pid_t test_process = 0;

void CountAllocationsInForks(const volatile void*, size_t) {
  if (allocations_in_forks != nullptr && ::syscall(SYS_getpid) != test_process) {
    allocations_in_forks->fetch_add(1, std::memory_order_relaxed);
  }
}

// The guard is a fork of this process: another thread of ours may hold the
// allocator's lock at that moment, and a guard that allocated would then
// wait forever (under AddressSanitizer, whose allocator has no fork
// handlers, parallel --jobs runs hung this way: posix_spawn's file actions
// were made in the guard). So the guard allocates nothing at all. Seen
// through AddressSanitizer's allocation hook (ThreadSanitizer's own fork
// handler allocates in the child, safely: it holds its allocator across the
// fork; glibc's malloc has fork handlers too).
TEST(ChildProcessTest, TheGuardAllocatesNothing) {
  if (!kAddressSanitizer || __sanitizer_install_malloc_and_free_hooks == nullptr) {
    GTEST_SKIP() << "only an AddressSanitizer build lets a test see every allocation";
  }
  void* shared = ::mmap(nullptr, sizeof(std::atomic<int>), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(shared, MAP_FAILED);
  allocations_in_forks = new (shared) std::atomic<int>(0);
  test_process = ::getpid();
  static bool installed = false;  // hooks cannot be removed: install once
  if (!installed)
    installed = __sanitizer_install_malloc_and_free_hooks(CountAllocationsInForks,
                                                          [](const volatile void*) {}) != 0;
  ASSERT_TRUE(installed);
  ChildSpec spec;
  spec.argv = {"/bin/sh", "-c", "exit 3"};
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  spec.argv = {"/nonexistent/program"};
  absl::StatusOr<ChildOutcome> missing = RunChild(spec);
  const int allocations = allocations_in_forks->load();
  allocations_in_forks = nullptr;
  ::munmap(shared, sizeof(std::atomic<int>));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->exit_code, 3);
  EXPECT_FALSE(missing.ok());
  EXPECT_EQ(allocations, 0) << "allocations in the guard";
}

TEST(ChildProcessTest, WhatAGuardKilledFromOutsideLeftIsKilledAndNamed) {
  const std::string daemon_seconds = std::to_string(4000 + ::getpid() % 1000);
  ChildSpec spec;
  spec.argv = {"/bin/sh", "-c",
               absl::StrCat("setsid /bin/sleep ", daemon_seconds, " & echo started; wait")};
  bool killed = false;
  spec.watch = [&](int program, int guard) -> std::string {
    (void)program;
    // Once the daemon runs (the program printed), the guard dies.
    if (!killed && std::filesystem::exists(absl::StrCat("/proc/", guard))) {
      std::error_code ignored;
      for (const auto& entry : std::filesystem::directory_iterator("/proc", ignored)) {
        std::ifstream in(entry.path() / "cmdline");
        std::string command((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (command.find("/bin/sleep") == 0 && command.find(daemon_seconds) != std::string::npos) {
          ::kill(guard, SIGKILL);
          killed = true;
        }
      }
    }
    return "";
  };
  spec.timeout = absl::Seconds(20);
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_TRUE(killed);
  ASSERT_FALSE(outcome->stray_processes.empty());
  EXPECT_THAT(outcome->stray_processes.front(), HasSubstr("/bin/sleep " + daemon_seconds));
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ignored)) {
    std::ifstream in(entry.path() / "cmdline");
    std::string command((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(command.find(std::string("/bin/sleep") + '\0' + daemon_seconds), std::string::npos)
        << "left running: pid " << entry.path().filename();
  }
}

}  // namespace
}  // namespace racelab
