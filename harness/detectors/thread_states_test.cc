// Tests for thread_states.h: /proc lines as the kernel writes them, and a
// real blocked thread of this process.
#include "harness/detectors/thread_states.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <latch>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab {
namespace {

TEST(ParseTaskStatTest, ReadsANameWithSpacesAndParenthesesAndTheState) {
  std::string name;
  char state = '?';
  std::uint64_t ticks = 0;
  ASSERT_TRUE(ParseTaskStat("2068 (my (odd) name) S 1 2068 2068 0 -1 4194560 1 0 0 0 7 3 0 0 20",
                            name, state, ticks));
  EXPECT_EQ(name, "my (odd) name");
  EXPECT_EQ(state, 'S');
  EXPECT_EQ(ticks, 10u);
  EXPECT_FALSE(ParseTaskStat("garbage", name, state, ticks));
}

TEST(ParseSyscallLineTest, ReadsTheCallItsArgumentsAndPc) {
  ThreadSample sample;
  ASSERT_TRUE(ParseSyscallLine(
      "202 0x7fff1120f990 0x80 0x2 0x0 0x0 0x0 0x7fff1120f900 0x7fbb12345678\n", sample));
  EXPECT_EQ(sample.syscall, 202);
  EXPECT_EQ(sample.args[1], 0x80u);
  EXPECT_EQ(sample.args[3], 0u);
  EXPECT_EQ(sample.pc, 0x7fbb12345678u);
  ASSERT_TRUE(ParseSyscallLine("running\n", sample));
  EXPECT_EQ(sample.syscall, -1);
  ASSERT_TRUE(ParseSyscallLine("-1 0x7ffc 0x7f00\n", sample));
  EXPECT_EQ(sample.syscall, -1);
  EXPECT_FALSE(ParseSyscallLine("202 0x1\n", sample));
  EXPECT_FALSE(ParseSyscallLine("", sample));
}

TEST(ParseSchedstatTest, ReadsRunTimeAndCount) {
  std::uint64_t cpu = 0, count = 0;
  ASSERT_TRUE(ParseSchedstat("2430933 17 12\n", cpu, count));
  EXPECT_EQ(cpu, 2430933u);
  EXPECT_EQ(count, 12u);
  EXPECT_FALSE(ParseSchedstat("1 2\n", cpu, count));
}

ThreadSample Sleeping(long syscall, std::array<std::uint64_t, 6> args) {
  ThreadSample sample;
  sample.state = 'S';
  sample.syscall_known = true;
  sample.syscall = syscall;
  sample.args = args;
  return sample;
}

TEST(ClassifyWaitTest, AnUntimedFutexWaitIsBlockedATimedOneIsNot) {
  EXPECT_EQ(ClassifyWait(Sleeping(SYS_futex, {0x1000, 0x80, 2, 0, 0, 0})), ThreadWait::kBlocked);
  EXPECT_EQ(ClassifyWait(Sleeping(SYS_futex, {0x1000, 0x89, 2, 0, 0, 0xffffffff})),
            ThreadWait::kBlocked);  // FUTEX_WAIT_BITSET_PRIVATE, no timeout
  EXPECT_EQ(ClassifyWait(Sleeping(SYS_futex, {0x1000, 0x189, 2, 0x7ffc0000, 0, 0})),
            ThreadWait::kSleeping);  // with a deadline
  EXPECT_EQ(ClassifyWait(Sleeping(SYS_futex, {0x1000, 0x81, 1, 0, 0, 0})),
            ThreadWait::kSleeping);  // FUTEX_WAKE never sleeps for long
}

TEST(ClassifyWaitTest, JoinsAndChildWaitsAreBlockedSleepsAndIoAreNot) {
  EXPECT_EQ(ClassifyWait(Sleeping(SYS_wait4, {})), ThreadWait::kBlocked);
  EXPECT_EQ(ClassifyWait(Sleeping(SYS_clock_nanosleep, {})), ThreadWait::kSleeping);
  EXPECT_EQ(ClassifyWait(Sleeping(SYS_read, {})), ThreadWait::kSleeping);
  ThreadSample runtime = Sleeping(SYS_nanosleep, {});
  runtime.pc_in_libc = false;
  EXPECT_EQ(ClassifyWait(runtime), ThreadWait::kRuntime);
  ThreadSample unreadable = Sleeping(SYS_futex, {0x1000, 0x80, 2, 0, 0, 0});
  unreadable.syscall_known = false;
  EXPECT_EQ(ClassifyWait(unreadable), ThreadWait::kUnknown);
  ThreadSample running;
  running.state = 'R';
  EXPECT_EQ(ClassifyWait(running), ThreadWait::kRunning);
  ThreadSample zombie;
  zombie.state = 'Z';
  EXPECT_EQ(ClassifyWait(zombie), ThreadWait::kGone);
}

// A child process whose two threads wait for each other for ever (a join
// and a latch): once both are asleep, both are kBlocked in futex waits. A
// sample ends at its first running thread, so it cannot be this process.
// Under ThreadSanitizer the forked child also runs the runtime's own
// background thread (a raw nanosleep loop): it is sampled as kRuntime,
// which the watchdog does not count, and so neither does this test.
TEST(SampleThreadsTest, SeesEveryThreadOfAStuckProcessBlocked) {
  const pid_t child = ::fork();
  if (child == 0) {
    std::latch never(1);
    std::thread waiter([&] { never.wait(); });
    waiter.join();
    ::_exit(0);
  }
  ASSERT_GT(child, 0);
  std::vector<ThreadSample> samples;
  std::vector<ThreadSample> program_threads;
  const auto all_blocked = [&] {
    return !samples.empty() && program_threads.size() == 2 &&
           std::all_of(program_threads.begin(), program_threads.end(),
                       [](const ThreadSample& s) { return s.wait == ThreadWait::kBlocked; });
  };
  for (int attempt = 0; attempt < 5000 && !all_blocked(); ++attempt) {
    samples = SampleThreads({child});
    program_threads.clear();
    std::copy_if(samples.begin(), samples.end(), std::back_inserter(program_threads),
                 [](const ThreadSample& s) { return s.wait != ThreadWait::kRuntime; });
    if (!all_blocked()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(all_blocked()) << samples.size() << " threads sampled, " << program_threads.size()
                             << " of them the program's";
  for (const ThreadSample& sample : samples) EXPECT_EQ(sample.pid, child);
  for (const ThreadSample& sample : program_threads) EXPECT_EQ(sample.syscall, SYS_futex);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

ThreadSample Counted(pid_t tid, ThreadWait wait, std::uint64_t run_count) {
  ThreadSample sample;
  sample.tid = tid;
  sample.wait = wait;
  sample.run_count = run_count;
  return sample;
}

TEST(BlockedThroughoutTest, HoldsOnlyWhenNoThreadRanAndAllStayBlocked) {
  const std::vector<ThreadSample> blocked = {Counted(1, ThreadWait::kBlocked, 5),
                                             Counted(2, ThreadWait::kBlocked, 9)};
  // The same two threads, in another order, scheduled no time meanwhile.
  EXPECT_TRUE(BlockedThroughout(blocked, {blocked[1], blocked[0]}));
  // One of them ran (a handler, say) and blocked again: not settled yet.
  EXPECT_FALSE(BlockedThroughout(blocked, {blocked[0], Counted(2, ThreadWait::kBlocked, 10)}));
  // A runnable thread, a timed wait, an unknown count, a thread that came
  // or went: not settled.
  EXPECT_FALSE(BlockedThroughout(blocked, {blocked[0], Counted(2, ThreadWait::kRunning, 9)}));
  EXPECT_FALSE(BlockedThroughout(blocked, {blocked[0], Counted(2, ThreadWait::kSleeping, 9)}));
  EXPECT_FALSE(BlockedThroughout({Counted(1, ThreadWait::kBlocked, 0)},
                                 {Counted(1, ThreadWait::kBlocked, 0)}));
  EXPECT_FALSE(BlockedThroughout(blocked, {blocked[0]}));
  // The sanitizer runtime's own thread wakes on its clock: left out.
  std::vector<ThreadSample> with_runtime = blocked;
  with_runtime.push_back(Counted(3, ThreadWait::kRuntime, 40));
  std::vector<ThreadSample> runtime_ran = blocked;
  runtime_ran.push_back(Counted(3, ThreadWait::kRuntime, 41));
  EXPECT_TRUE(BlockedThroughout(with_runtime, runtime_ran));
  // No first sample, or no program thread at all: nothing to judge by.
  EXPECT_FALSE(BlockedThroughout({}, blocked));
  EXPECT_FALSE(BlockedThroughout({}, {}));
}

TEST(CatchesSignalTest, SeesAnInstalledHandler) {
  struct sigaction action {};
  action.sa_handler = [](int) {};
  struct sigaction previous {};
  ::sigaction(SIGRTMIN + 7, &action, &previous);
  EXPECT_TRUE(CatchesSignal(::getpid(), SIGRTMIN + 7));
  ::sigaction(SIGRTMIN + 7, &previous, nullptr);
  EXPECT_FALSE(CatchesSignal(::getpid(), SIGRTMIN + 7));
}

}  // namespace
}  // namespace racelab
