// Tests for proc_files.h on real processes of this test.
#include "harness/process/proc_files.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <latch>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab {
namespace {

TEST(ProcFilesTest, ReadsAFileWholeAndNothingFromAMissingOne) {
  EXPECT_THAT(ReadProcFile("/proc/self/status"), testing::HasSubstr("Pid:"));
  EXPECT_EQ(ReadProcFile("/proc/self/no-such-file"), "");
}

TEST(ProcFilesTest, ThreadsOfThisProcessIncludeANewThread) {
  std::latch checked(1);
  std::thread thread([&] { checked.wait(); });  // alive until the check is done
  EXPECT_GE(ThreadsOf(::getpid()).size(), 2u);
  EXPECT_THAT(ThreadsOf(::getpid()), testing::Contains(::getpid()));
  checked.count_down();
  thread.join();
}

TEST(ProcFilesTest, FindsAChildAndItsChild) {
  const pid_t child = ::fork();
  if (child == 0) {
    if (::fork() == 0) {
      ::pause();
      ::_exit(0);
    }
    ::pause();
    ::_exit(0);
  }
  ASSERT_GT(child, 0);
  std::vector<pid_t> grandchildren;
  for (int attempt = 0; attempt < 5000 && grandchildren.empty(); ++attempt) {
    grandchildren = ProcessesBelow(child);  // once the child has forked
    if (grandchildren.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(grandchildren.size(), 1u);
  EXPECT_THAT(ProcessesBelow(::getpid()), testing::IsSupersetOf({child, grandchildren[0]}));
  ::kill(grandchildren[0], SIGKILL);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

}  // namespace
}  // namespace racelab
