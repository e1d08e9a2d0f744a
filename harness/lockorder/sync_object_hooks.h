// What the hooks of synchronisation objects that are not locks do around
// the real call, for the entry points in interpose.cc: condition variables'
// wakes, initialisation and destruction (their waits are hook_bodies.h's
// ConditionWait), semaphores' posts and destruction, and barriers'
// initialisation and destruction, each watched for misuse only — none of
// them is a node of the lock-order graph.
#ifndef RACELAB_HARNESS_LOCKORDER_SYNC_OBJECT_HOOKS_H_
#define RACELAB_HARNESS_LOCKORDER_SYNC_OBJECT_HOOKS_H_

#include <semaphore.h>

#include <cerrno>
#include <cstdint>

#include "harness/lockorder/hook_bodies.h"

#pragma GCC visibility push(hidden)

namespace racelab::lockorder {

// pthread_cond_signal and pthread_cond_broadcast: counted after the real
// call (see ConditionWaiters).
template <typename Call>
__attribute__((always_inline)) inline int ConditionWake(pthread_cond_t* condition, bool all,
                                                        Call call) {
  const bool active = ActiveAtSyncPoint();
  const int result = call();
  if (active) {
    HookScope scope;
    if (all) {
      condition_waiters.Broadcasted(Address(condition));
    } else {
      condition_waiters.Signaled(Address(condition));
    }
  }
  return result;
}

// Reports `misuse` of `condition` when a thread blocks on it that no signal
// or broadcast woke (see ConditionWaiters). Inlined: the site walk starts
// in the hook's frame.
__attribute__((always_inline)) inline void ReportIfConditionWaited(pthread_cond_t* condition,
                                                                   MisuseKind misuse) {
  int unwoken = 0;
  {
    HookScope scope;
    unwoken = condition_waiters.Unwoken(Address(condition));
  }
  if (__builtin_expect(unwoken > 0, 0)) {
    ReportMisuseFromHook(condition, LockKind::kCondition, misuse, {},
                         static_cast<const std::uintptr_t*>(__builtin_frame_address(0)));
  }
}

// pthread_cond_destroy: destroying a condition variable a thread blocks on
// is misuse (and glibc's destroy then waits for that thread for ever).
template <typename Call>
__attribute__((always_inline)) inline int ConditionDestroy(pthread_cond_t* condition, Call call) {
  if (!Active() || CalledByAllocator(__builtin_return_address(0))) return call();
  ReportIfConditionWaited(condition, MisuseKind::kDestroyWaited);
  return Forgetting(condition, call);
}

// pthread_cond_init: initialising a condition variable a thread blocks on
// again is misuse (glibc clears its state: no signal reaches that thread).
template <typename Call>
__attribute__((always_inline)) inline int ConditionInit(pthread_cond_t* condition, Call call) {
  if (Active() && !CalledByAllocator(__builtin_return_address(0))) {
    ReportIfConditionWaited(condition, MisuseKind::kReinitWaited);
  }
  return Forgetting(condition, call);
}

// sem_post: a post past SEM_VALUE_MAX fails with EOVERFLOW and is lost.
template <typename Call>
__attribute__((always_inline)) inline int SemaphorePost(sem_t* semaphore, Call call) {
  const int result = call();
  if (__builtin_expect(result != 0, 0) && errno == EOVERFLOW && Active()) {
    const int saved_errno = errno;
    ReportMisuseFromHook(semaphore, LockKind::kSemaphore, MisuseKind::kPostOverflow, {},
                         static_cast<const std::uintptr_t*>(__builtin_frame_address(0)));
    errno = saved_errno;
  }
  return result;
}

// Whether a thread blocks on `semaphore` that no post can let through:
// glibc keeps, next to the value (the low 32 bits of its first word), how
// many threads are in sem_wait's blocking path (the high 32 bits); a woken
// waiter takes one from both at once, so more waiters than value means one
// waits that nothing woke.
inline bool SemaphoreHasUnwokenWaiter(const sem_t* semaphore) {
  const std::uint64_t data =
      __atomic_load_n(reinterpret_cast<const std::uint64_t*>(semaphore), __ATOMIC_RELAXED);
  return (data >> 32) > (data & 0xffffffffu);
}

// sem_destroy: destroying a semaphore a thread blocks on is misuse (the
// waiter then sleeps for ever on memory that may be reused).
template <typename Call>
__attribute__((always_inline)) inline int SemaphoreDestroy(sem_t* semaphore, Call call) {
  if (Active() && !CalledByAllocator(__builtin_return_address(0)) &&
      __builtin_expect(SemaphoreHasUnwokenWaiter(semaphore), 0)) {
    ReportMisuseFromHook(semaphore, LockKind::kSemaphore, MisuseKind::kDestroyWaited, {},
                         static_cast<const std::uintptr_t*>(__builtin_frame_address(0)));
  }
  return call();
}

// pthread_barrier_wait: counted in `barrier_waiters` while the thread is in
// the call, which tells the barrier's initialisation and destruction when
// its state is a live barrier's.
template <typename Call>
__attribute__((always_inline)) inline int BarrierWaitChecked(bool active,
                                                             pthread_barrier_t* barrier,
                                                             Call call) {
  if (!active || CalledByAllocator(__builtin_return_address(0))) return call();
  ConditionWaiters::Begun begun;
  {
    HookScope scope;
    begun = barrier_waiters.BeginWait(Address(barrier), 0);
  }
  const WaitCountedOut counted_out(barrier_waiters, Address(barrier), begun.tracked);
  return call();
}

// BarrierWaitChecked as a blocking synchronisation point (AsBlockingPoint).
template <typename Call>
__attribute__((always_inline)) inline int BarrierWait(pthread_barrier_t* barrier, Call call) {
  return AsBlockingPoint([&](bool active) __attribute__((always_inline)) {
    return BarrierWaitChecked(active, barrier, call);
  });
}

// Whether a thread blocks on `barrier` in a round not all its threads have
// reached: a thread is inside a wait on it (without one, the memory may not
// be a barrier yet: an initialisation reads whatever was there before), and
// in glibc's state the threads that entered (`in`, its first word) are past
// the round they may leave (`current_round`, the second, set once the count
// a round needs has entered).
inline bool BarrierHasWaiter(const pthread_barrier_t* barrier) {
  {
    HookScope scope;
    if (barrier_waiters.Unwoken(Address(barrier)) == 0) return false;
  }
  const auto* words = reinterpret_cast<const unsigned int*>(barrier);
  const unsigned int entered = __atomic_load_n(&words[0], __ATOMIC_RELAXED);
  const unsigned int round = __atomic_load_n(&words[1], __ATOMIC_RELAXED);
  return entered > round;
}

// pthread_barrier_destroy and pthread_barrier_init: destroying or
// initialising again a barrier a thread blocks on is misuse (glibc's destroy
// then waits for that thread for ever; an init strands it).
template <typename Call>
__attribute__((always_inline)) inline int BarrierEnding(pthread_barrier_t* barrier,
                                                        MisuseKind misuse, Call call) {
  if (Active() && !CalledByAllocator(__builtin_return_address(0)) &&
      __builtin_expect(BarrierHasWaiter(barrier), 0)) {
    ReportMisuseFromHook(barrier, LockKind::kBarrier, misuse, {},
                         static_cast<const std::uintptr_t*>(__builtin_frame_address(0)));
  }
  return call();
}

}  // namespace racelab::lockorder

#pragma GCC visibility pop

#endif  // RACELAB_HARNESS_LOCKORDER_SYNC_OBJECT_HOOKS_H_
