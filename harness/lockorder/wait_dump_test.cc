// Tests for the wait-for dump and cycle search on slots published by hand:
// the one wait no program can be made to show on demand, a thread blocked on
// a lock it took alone and the checker never resolved (it was free when the
// hook looked, taken by the time the thread asked for it). Such a thread
// holds nothing, so only a thread joining it can close a cycle through it.
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

TEST(WaitDumpTest, ALockWaitedForAloneIsDeclaredByANewIdAndHeldByARunningThreadIsNoCycle) {
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

constexpr std::uintptr_t kJoinedPthread = 0x5150;
constexpr std::uintptr_t kAloneLock = 0xdef0;
std::int64_t AloneLockHeldByOsThread91(std::uintptr_t address, LockKind) {
  return address == kAloneLock ? 91 : 0;
}
std::int64_t AloneLockHeldByNobody(std::uintptr_t, LockKind) { return 0; }

// Thread 91 joins thread 92, which waits for kAloneLock alone (taken alone:
// not resolved). Slots are never freed: each test clears what it published.
struct JoinOfAloneWaiter {
  JoinOfAloneWaiter()
      : joiner(NewWaitSlot(/*thread=*/11, /*os_tid=*/91, nullptr)),
        joined(NewWaitSlot(/*thread=*/12, /*os_tid=*/92, nullptr)) {
    joined->pthread_id.store(kJoinedPthread, std::memory_order_relaxed);
    joined->PublishAlone(kAloneLock, LockKind::kMutex);
    joiner->joining.store(kJoinedPthread, std::memory_order_relaxed);
    joiner->waiting_on.exchange(WaitSlot::kJoining, std::memory_order_seq_cst);
  }
  ~JoinOfAloneWaiter() {
    joiner->Clear();
    joined->Clear();
    joined->pthread_id.store(0, std::memory_order_relaxed);
  }
  WaitSlot* joiner;
  WaitSlot* joined;
};

TEST(WaitCycleSearchTest, JoiningAThreadThatWaitsAloneForALockTheJoinerHoldsIsACycle) {
  const JoinOfAloneWaiter wait;
  WaitLink links[16];
  ASSERT_EQ(FindWaitCycle(wait.joiner, AloneLockHeldByOsThread91, false, 0, links, 16), 2);
  EXPECT_EQ(links[0].slot, wait.joiner);
  EXPECT_EQ(links[0].how, WaitHow::kJoin);
  EXPECT_EQ(links[1].slot, wait.joined);
  EXPECT_EQ(links[1].how, WaitHow::kLock);
  EXPECT_EQ(links[1].lock, nullptr);  // never resolved: known by its address
  EXPECT_EQ(links[1].address, kAloneLock);
  EXPECT_EQ(links[1].kind, LockKind::kMutex);

  // The waiter finds the same cycle from its side.
  ASSERT_EQ(FindWaitCycle(wait.joined, AloneLockHeldByOsThread91, false, 0, links, 16), 2);
  EXPECT_EQ(links[0].slot, wait.joined);
  EXPECT_EQ(links[0].address, kAloneLock);
  EXPECT_EQ(links[1].slot, wait.joiner);
  EXPECT_EQ(links[1].how, WaitHow::kJoin);
}

TEST(WaitCycleSearchTest, AnAloneWaitForAFreeLockOrAnotherOneIsNoCycle) {
  const JoinOfAloneWaiter wait;
  WaitLink links[16];
  EXPECT_EQ(FindWaitCycle(wait.joiner, AloneLockHeldByNobody, false, 0, links, 16), 0);
  wait.joined->PublishAlone(kAloneLock + 64, LockKind::kMutex);
  EXPECT_EQ(FindWaitCycle(wait.joiner, AloneLockHeldByOsThread91, false, 0, links, 16), 0);
  wait.joined->Clear();  // the lock came: the joined thread runs
  EXPECT_EQ(FindWaitCycle(wait.joiner, AloneLockHeldByOsThread91, false, 0, links, 16), 0);
}

}  // namespace
}  // namespace racelab::lockorder
