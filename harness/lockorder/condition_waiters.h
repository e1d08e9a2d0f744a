// The condition variables threads wait on right now, for the two misuses
// only their waiters show (POSIX leaves both undefined): waiting on one
// condition variable with a mutex other than the one its current waiters
// use, and destroying a condition variable a thread still blocks on (glibc's
// pthread_cond_destroy then waits for that thread for ever).
//
// Per condition variable: the mutex of its waiters, how many threads are in
// a wait call, and how many of them no signal or broadcast has woken yet.
// That last count is a lower bound, never more than the truth: a signal
// counts as waking a waiter, a broadcast every waiter, and every return from
// a wait (woken, timed out or spurious) as one thread less that blocks —
// so a woken thread that returns is counted out twice, and a destroy can go
// unreported, never reported wrongly. For that, a wait is counted before
// the real call and a wake after it: a signal that glibc let wake a thread
// whose wait had just begun finds that thread counted (the wait's count is
// a locked increment that comes before glibc's registration of the waiter,
// and the signal looks only after glibc saw it).
//
// Barriers have a table of their own (`barrier_waiters`): a thread in
// pthread_barrier_wait counts as a waiter nothing woke (a barrier has no
// signal), so its table says which barriers a thread is inside a wait on —
// all that makes glibc's own barrier state worth reading (memory a barrier
// is initialised in may hold anything before).
//
// A fixed table under a spin lock: no allocation inside the program's calls,
// and waits block in the kernel anyway. An entry lives while its condition
// variable has waiters, so the table holds at most one entry per waiting
// thread; full (kSlots conditions waited on at once), a wait goes untracked
// (`BeginWait` says so and its `EndWait` is skipped).
#ifndef RACELAB_HARNESS_LOCKORDER_CONDITION_WAITERS_H_
#define RACELAB_HARNESS_LOCKORDER_CONDITION_WAITERS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "harness/lockorder/spinlock.h"

namespace racelab::lockorder {

class ConditionWaiters {
 public:
  constexpr ConditionWaiters() = default;

  struct Begun {
    bool tracked = false;            // whether EndWait is owed
    std::uintptr_t other_mutex = 0;  // the other waiters' mutex when it is not `mutex`
  };

  // A thread starts waiting on `condition` with `mutex`.
  Begun BeginWait(std::uintptr_t condition, std::uintptr_t mutex) {
    SpinlockHolder hold(mu_);
    Entry* entry = Find(condition);
    if (entry == nullptr) {
      for (Entry& slot : slots_) {
        if (slot.condition != 0) continue;
        slot = Entry{condition, mutex, 0, 0};
        entry = &slot;
        in_use_.fetch_add(1, std::memory_order_seq_cst);
        break;
      }
      if (entry == nullptr) return {};
    }
    Begun begun{true, entry->waiters > 0 && entry->mutex != mutex ? entry->mutex : 0};
    ++entry->waiters;
    ++entry->unwoken;
    return begun;
  }

  // The thread's wait call returned, for whatever reason.
  void EndWait(std::uintptr_t condition) {
    SpinlockHolder hold(mu_);
    Entry* entry = Find(condition);
    if (entry == nullptr) return;
    if (entry->unwoken > 0) --entry->unwoken;
    if (--entry->waiters == 0) {
      entry->condition = 0;
      in_use_.fetch_sub(1, std::memory_order_seq_cst);
    }
  }

  // After the real pthread_cond_signal (pthread_cond_broadcast) returned.
  void Signaled(std::uintptr_t condition) { Wake(condition, /*all=*/false); }
  void Broadcasted(std::uintptr_t condition) { Wake(condition, /*all=*/true); }

  // How many threads block on `condition` with nothing left to wake them.
  int Unwoken(std::uintptr_t condition) {
    if (in_use_.load(std::memory_order_relaxed) == 0) return 0;
    SpinlockHolder hold(mu_);
    const Entry* entry = Find(condition);
    return entry == nullptr ? 0 : entry->unwoken;
  }

 private:
  struct Entry {
    std::uintptr_t condition = 0;  // 0: a free slot
    std::uintptr_t mutex = 0;
    int waiters = 0;
    int unwoken = 0;
  };
  static constexpr std::size_t kSlots = 256;

  Entry* Find(std::uintptr_t condition) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (Entry& slot : slots_) {
      if (slot.condition == condition) return &slot;
    }
    return nullptr;
  }

  void Wake(std::uintptr_t condition, bool all) {
    // The common case, no thread waits on any condition, takes no lock.
    if (in_use_.load(std::memory_order_seq_cst) == 0) return;
    SpinlockHolder hold(mu_);
    Entry* entry = Find(condition);
    if (entry == nullptr || entry->unwoken == 0) return;
    entry->unwoken = all ? 0 : entry->unwoken - 1;
  }

  Spinlock mu_;
  std::atomic<int> in_use_{0};  // entries with waiters
  Entry slots_[kSlots] ABSL_GUARDED_BY(mu_);
};

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_CONDITION_WAITERS_H_
