// Tests that every thread's stack is read out of gdb's output: headers and
// frames kept, a blank line between threads, everything else dropped.
#include "harness/detectors/watchdog_detector.h"

#include "gtest/gtest.h"

namespace racelab {
namespace {

TEST(WatchdogDetectorTest, StackLinesKeepsThreadHeadersAndFrames) {
  const std::string gdb_output =
      "[New LWP 12]\n"
      "Thread 2 (Thread 0x7f (LWP 12) \"worker\"):\n"
      "#0  futex_wait (...) at futex-internal.h:146\n"
      "#1  Consume () at lost_wakeup.cc:30\n"
      "\n"
      "Thread 1 (Thread 0x7e (LWP 11) \"main\"):\n"
      "#0  __pthread_clockjoin_ex () at pthread_join_common.c:43\n"
      "[Inferior 1 (process 11) detached]\n";
  EXPECT_EQ(StackLines(gdb_output),
            "Thread 2 (Thread 0x7f (LWP 12) \"worker\"):\n"
            "#0  futex_wait (...) at futex-internal.h:146\n"
            "#1  Consume () at lost_wakeup.cc:30\n"
            "\n"
            "Thread 1 (Thread 0x7e (LWP 11) \"main\"):\n"
            "#0  __pthread_clockjoin_ex () at pthread_join_common.c:43");
  EXPECT_EQ(StackLines("ptrace: Operation not permitted.\n"), "");
}

}  // namespace
}  // namespace racelab
