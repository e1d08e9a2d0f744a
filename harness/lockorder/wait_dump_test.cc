// Tests for the wait-for dump and cycle search on slots published by hand:
// the one wait no program can be made to show on demand, a thread blocked on
// a lock it took alone and the checker never resolved (it was free when the
// hook looked, taken by the time the thread asked for it).
#include "harness/lockorder/wait_dump.h"

#include <signal.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace racelab::lockorder {
namespace {

int dump_pipe[2] = {-1, -1};

std::int64_t HeldByOsThread77(std::uintptr_t, LockKind) { return 77; }
std::uint32_t NoReaders(std::uintptr_t, LockKind) { return 0; }

TEST(WaitDumpTest, ALockWaitedForAloneIsDeclaredByANewIdAndIsNoCycleStep) {
  ASSERT_EQ(::pipe(dump_pipe), 0);
  InstallWaitDumpHandler(
      [](const char* line, std::size_t size) { (void)!::write(dump_pipe[1], line, size); },
      HeldByOsThread77, NoReaders, [] { return LockId{41}; }, nullptr);
  WaitSlot* holder = NewWaitSlot(/*thread=*/3, /*os_tid=*/77, nullptr);
  WaitSlot* waiter = NewWaitSlot(/*thread=*/7, /*os_tid=*/78, nullptr);
  waiter->PublishAlone(0xabc0, LockKind::kRwLock);

  WaitLink links[16];
  EXPECT_EQ(FindWaitCycle(waiter, HeldByOsThread77, /*retrying=*/false, 0, links, 16), 0);

  ASSERT_EQ(::raise(WaitDumpSignal()), 0);  // the handler runs before raise returns
  waiter->Clear();
  holder->Clear();
  char buffer[512];
  const ssize_t size = ::read(dump_pipe[0], buffer, sizeof buffer);
  ASSERT_GT(size, 0);
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(size)),
            "lock 41 rwlock 0xabc0 -\n"
            "wait 7 41 mutex 3 - 0\n"
            "wait-end 1\n");
  ::close(dump_pipe[0]);
  ::close(dump_pipe[1]);
}

}  // namespace
}  // namespace racelab::lockorder
