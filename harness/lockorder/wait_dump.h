// The wait-for dump: what each thread of a process running racelab's lock
// hooks is blocked on, written on request into its lock-order record file
// as `wait` lines closed by `wait-end`. The watchdog sends WaitDumpSignal()
// before it kills a hung run. Threads publish into their own WaitSlot (only
// atomics, never freed), so the signal handler reads them without locks or
// allocation.
#ifndef RACELAB_HARNESS_LOCKORDER_WAIT_DUMP_H_
#define RACELAB_HARNESS_LOCKORDER_WAIT_DUMP_H_

#include <signal.h>

#include <atomic>
#include <cstdint>

#include "harness/lockorder/checker.h"

namespace racelab::lockorder {

// A real-time signal, so that it cannot be confused with one the program
// uses for itself by convention (SIGUSR1/2).
inline int WaitDumpSignal() { return SIGRTMIN + 5; }

// What one thread is blocked on. Written by its thread, read by the handler.
// Cache-line aligned: each thread writes its own on every blocking call, and
// must not invalidate another thread's.
struct alignas(64) WaitSlot {
  static constexpr std::uintptr_t kCondition = 1;  // low bit of `waiting_on`
  std::atomic<WaitSlot*> next{nullptr};
  std::atomic<std::uint32_t> thread{0};   // the checker's number for the thread
  std::atomic<std::int64_t> os_tid{0};
  // The LockInfo the thread is blocked on (they are 64-byte aligned), with
  // kCondition set for a condition wait on that mutex; 0: not blocked in a
  // hook. One word, so that publishing a wait is one store.
  std::atomic<std::uintptr_t> waiting_on{0};

  void Publish(LockInfo* lock, bool condition) {
    waiting_on.store(reinterpret_cast<std::uintptr_t>(lock) | (condition ? kCondition : 0),
                     std::memory_order_release);
  }
  void Clear() { waiting_on.store(0, std::memory_order_relaxed); }
};
static_assert(alignof(LockInfo) > WaitSlot::kCondition, "the condition bit needs a free low bit");

// A new slot for the calling thread, known to the checker as `thread`,
// linked into the process-wide list the handler walks. Never freed.
WaitSlot* NewWaitSlot(std::uint32_t thread, std::int64_t os_tid);

// Installs the WaitDumpSignal() handler, writing to the descriptor
// `record_fd` returns when the signal arrives (it must be
// async-signal-safe; -1: nowhere); `holder` tells who holds the lock a
// thread waits for.
void InstallWaitDumpHandler(int (*record_fd)(), HolderQuery holder);

// In a child forked without exec: the parent's other threads are gone, so
// their slots are dropped (leaked, never freed: a handler may be reading
// them). The calling thread takes a new slot with NewWaitSlot.
void ForgetWaitSlotsAfterFork();

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_WAIT_DUMP_H_
