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
struct WaitSlot {
  std::atomic<WaitSlot*> next{nullptr};
  std::atomic<std::uint32_t> thread{0};
  std::atomic<LockInfo*> lock{nullptr};  // null: not blocked in a hook
  std::atomic<bool> condition{false};
};

// A new slot, linked into the process-wide list the handler walks. Never freed.
WaitSlot* NewWaitSlot();

// Installs the WaitDumpSignal() handler, writing to `record_fd`.
void InstallWaitDumpHandler(int record_fd);

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_WAIT_DUMP_H_
