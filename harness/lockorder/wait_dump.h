// The wait-for state of a process running racelab's lock hooks: what each
// thread is blocked on (or keeps retrying), published by the thread into its
// own WaitSlot (only atomics, never freed). Two readers:
// - FindWaitCycle, run by a thread about to block on a lock another thread
//   holds (or failing a try on one): it follows "waits for a lock held by"
//   from slot to slot and proves a deadlock (or a livelock) the moment its
//   cycle closes;
// - the wait-for dump, written on request into the lock-order record file
//   as `wait` lines closed by `wait-end` (the watchdog sends
//   WaitDumpSignal() before it kills a hung run): a signal handler, so it
//   reads the slots without locks or allocation.
#ifndef RACELAB_HARNESS_LOCKORDER_WAIT_DUMP_H_
#define RACELAB_HARNESS_LOCKORDER_WAIT_DUMP_H_

#include <signal.h>

#include <atomic>
#include <cstdint>

#include "harness/lockorder/checker.h"
#include "harness/lockorder/protocol.h"

namespace racelab::lockorder {

// What one thread is blocked on. Written by its thread, read by the handler.
// Cache-line aligned: each thread writes its own on every blocking call, and
// must not invalidate another thread's.
struct alignas(64) WaitSlot {
  static constexpr std::uintptr_t kCondition = 1;  // low bits of `waiting_on`
  static constexpr std::uintptr_t kRetrying = 2;
  static constexpr std::uintptr_t kJoining = 4;  // alone: joining the thread `joining` names
  static constexpr std::uintptr_t kFlags = kCondition | kRetrying | kJoining;
  // Alone: blocked on the unresolved lock at `alone_address`, of kind
  // `alone_kind` (see LockOrderChecker: the thread holds no other lock, so
  // no chain of lock waits comes back to it, but a thread joining it while
  // holding that lock closes a cycle).
  static constexpr std::uintptr_t kAlone = 8;
  std::atomic<WaitSlot*> next{nullptr};
  std::atomic<std::uint32_t> thread{0};  // the checker's number for the thread
  std::atomic<std::int64_t> os_tid{0};
  // The LockInfo the thread is blocked on (they are 64-byte aligned), with
  // kCondition set for a condition wait on that mutex, kRetrying when it
  // failed a try or timed lock on it and has taken no lock since; or
  // kJoining alone, joining the thread `joining` names; or kAlone alone.
  // 0: not waiting in a hook. One word, so that publishing a wait is one
  // store (after the fields it refers to).
  std::atomic<std::uintptr_t> waiting_on{0};
  std::atomic<std::uintptr_t> alone_address{0};
  std::atomic<LockKind> alone_kind{LockKind::kMutex};
  // The thread's own lock state, read by another thread only once this one
  // is proved blocked for ever (its held list can no longer change).
  std::atomic<const ThreadLockState*> state{nullptr};
  // The thread's pthread_t, to find the slot of a thread being joined; and
  // the pthread_t of the thread it joins (written before kJoining).
  std::atomic<std::uintptr_t> pthread_id{0};
  std::atomic<std::uintptr_t> joining{0};
  // Where a condition wait or a retried lock waits (written by the thread
  // before it publishes the wait), and for a condition wait its record id,
  // for the dump.
  Site wait_site;
  std::atomic<SiteId> wait_site_id{kNoSite};
  // For kRetrying: how many tries failed in a row, since when (CLOCK_MONOTONIC ns).
  std::atomic<std::uint32_t> failed_tries{0};
  std::atomic<std::int64_t> retrying_since_ns{0};

  void Publish(LockInfo* lock, bool condition) {
    waiting_on.store(reinterpret_cast<std::uintptr_t>(lock) | (condition ? kCondition : 0),
                     std::memory_order_release);
  }
  void PublishAlone(std::uintptr_t address, LockKind kind) {
    alone_address.store(address, std::memory_order_relaxed);
    alone_kind.store(kind, std::memory_order_relaxed);
    waiting_on.store(kAlone, std::memory_order_release);
  }
  void Clear() { waiting_on.store(0, std::memory_order_relaxed); }
};
static_assert(alignof(LockInfo) > WaitSlot::kFlags, "the wait flags need free low bits");

// One thread of a wait-for cycle, as FindWaitCycle found it.
struct WaitLink {
  WaitSlot* slot = nullptr;
  // What it waits for; null for a join, and for a lock the thread waits for
  // alone (kAlone: never resolved, known by `address` and `kind` only).
  LockInfo* lock = nullptr;
  WaitHow how = WaitHow::kLock;
  std::uintptr_t address = 0;  // the lock's, unless a join
  LockKind kind = LockKind::kMutex;
};

// How long every thread of a retry cycle must have kept failing (and how
// many tries) before the cycle is a livelock: a try-and-retry loop that
// backs off (gives its locks back, or waits for one) starts over.
inline constexpr std::int64_t kLivelockAfterNs = 100 * 1000 * 1000;
inline constexpr std::uint32_t kLivelockAfterTries = 10;

// Follows "waits for a lock held by" from `self` (whose slot already
// publishes its wait, by a sequentially consistent store or exchange: the
// other slots are read with sequentially consistent loads, so of two
// threads closing a cycle at once the later one sees the other's wait)
// through the other threads' slots. A deadlock
// (`retrying` false) counts threads blocked in a lock call (also one taken
// alone: a thread that holds no lock still closes a cycle through a thread
// joining it), in a condition
// wait (which cannot return without its mutex) or joining a thread (which
// waits for that thread, not a lock holder); a livelock
// (`retrying` true, `self` retrying) also threads retrying a lock for at
// least kLivelockAfterNs as of `now_ns`. When the chain comes back to `self`,
// the cycle is checked again from its far end (each thread still waits,
// each lock is still held by the next), which for a deadlock proves that
// no thread of it can ever go on, and it is stored in `links` (first
// `self`); returns its length, or 0. Reads memory only.
int FindWaitCycle(WaitSlot* self, HolderQuery holder, bool retrying, std::int64_t now_ns,
                  WaitLink* links, int max_links);

// A new slot for the calling thread, known to the checker as `thread`,
// linked into the process-wide list the handler walks. Never freed.
WaitSlot* NewWaitSlot(std::uint32_t thread, std::int64_t os_tid, const ThreadLockState* state);

// The slot of the thread whose pthread_t is `pthread_id`; null when it has
// none (it never took a lock through the hooks). Reads memory only.
WaitSlot* SlotOfPthread(std::uintptr_t pthread_id);

// How many threads hold the lock at `address` shared (a rwlock's readers,
// as the lock counts them); 0 for other kinds. Reads memory only.
using ReadersQuery = std::uint32_t (*)(std::uintptr_t address, LockKind kind);

// Appends one whole line (ending in '\n') to the record file, from a
// signal handler: async-signal-safe.
using RecordAppend = void (*)(const char* line, std::size_t size);

// Installs the WaitDumpSignal() handler, writing its lines with `append`;
// `holder` tells who holds the lock a thread waits for, `readers` how many
// hold it shared. `new_lock_id` gives an unresolved lock a waiting thread
// holds alone an id for its `lock` line; `flush`, called first, returns
// false when the checker is busy (the thread this handler interrupted may
// be inside it, its line not written yet) (both async-signal-safe too; a
// null `flush`: never busy).
void InstallWaitDumpHandler(RecordAppend append, HolderQuery holder, ReadersQuery readers,
                            LockId (*new_lock_id)(), bool (*flush)());

// In a child forked without exec: the parent's other threads are gone, so
// their slots are dropped (leaked, never freed: a handler may be reading
// them). The calling thread takes a new slot with NewWaitSlot.
void ForgetWaitSlotsAfterFork();

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_WAIT_DUMP_H_
