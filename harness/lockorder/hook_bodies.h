// What each kind of lock call does around the real call, for the entry
// points in interpose.cc: a blocking acquisition, a try or timed one, a
// release, a lock's destruction, a condition wait, a join, a static's
// initialisation guard and a once control. Inlined into
// each hook, so that the site walk starts in the hook's own frame; their
// slow paths are out of line (hook_slow_paths.cc).
#ifndef RACELAB_HARNESS_LOCKORDER_HOOK_BODIES_H_
#define RACELAB_HARNESS_LOCKORDER_HOOK_BODIES_H_

#include <cerrno>

#include "harness/lockorder/hook_state.h"
#include "harness/lockorder/schedule_hooks.h"

#pragma GCC visibility push(hidden)

namespace racelab::lockorder {

// Set once this process recorded a wait-for cycle: later ones are left alone.
extern std::atomic<bool> cycle_reported;

// Records the wait-for cycle `links` found (links[0] is this thread) and
// asks the run to stop.
void ReportCycle(ThreadLockState& state, const WaitLink* links, int count, bool livelock);

// The calling thread published a blocking wait on `lock`, held by the
// thread with OS id `owner`, or (owner 0) a write lock on a rwlock readers
// hold: whether that closes a wait-for cycle.
__attribute__((noinline)) void OnContended(ThreadLockState& state, LockInfo* lock, LockKind kind,
                                           std::int64_t owner);

// A try or timed acquisition of `lock` failed: the thread retries it.
__attribute__((noinline)) void OnFailedTry(ThreadLockState& state, const void* lock, LockKind kind,
                                           const Site& site);

// An unlock that is not of the lock the thread took last: out of line, so
// that the common unlock keeps a small frame. `hook_frame` and
// `return_address` are the hook's (the site walk starts there).
__attribute__((noinline, cold)) void ReleaseOutOfOrder(const void* lock, LockKind kind,
                                                       const std::uintptr_t* hook_frame,
                                                       const void* return_address);

// Hook bodies shared by every lock type. Inlined into each hook, so that the
// site walk starts in the hook's own frame.
//
// A blocking acquisition does its bookkeeping before the lock call; once
// the lock is held, only this thread's own wait slot is cleared, so the
// checker adds nothing to the critical section the call opens (two threads
// contending for a lock would otherwise wait on each other's bookkeeping).
// A failed call takes the hold back.
template <typename Call>
__attribute__((always_inline)) inline int BlockingChecked(bool active, const void* lock,
                                                          LockKind kind, bool shared, Call call) {
  if (!active) return call();
  ThreadLockState& state = State();
  LockCallScope in_lock_call;
  Site* fast = nullptr;
  {
    InvisibleAccessesToTsan invisible;
    if (!state.held.empty()) {
      fast = checker->TryFastBlockingAcquire(state, Address(lock), shared);
    } else if (!CalledByAllocator(__builtin_return_address(0)) &&
               !(!shared && RefusesRelock(lock, kind) &&
                 ExclusiveHolder(Address(lock), kind) == state.os_tid)) {
      // A thread that holds no lock has nothing to check, unless this is
      // the allocator's lock or a relock the lock will refuse (the slow
      // path's).
      fast = checker->TryAloneAcquire(state, Address(lock), kind, shared);
    }
    if (fast != nullptr) CaptureSiteInto(*fast);
  }
  LockInfo* info = nullptr;
  if (fast != nullptr) {
    info = state.held.back().lock;  // nullptr: unresolved
  } else {
    if (CalledByAllocator(__builtin_return_address(0))) return call();
    if (!shared && RefusesRelock(lock, kind) &&
        ExclusiveHolder(Address(lock), kind) == state.os_tid) {
      const int result = call();  // EDEADLK at once: the lock checks its owner
      if (result == EDEADLK) {
        HookScope scope;
        Site site;
        CaptureSiteInto(site);
        CompleteSiteByUnwinding(site);
        checker->ReportFailedRelock(state, Address(lock), kind, site);
      }
      return result;
    }
    HookScope scope;
    Site site;
    CaptureSiteInto(site);
    // A new chain, whose site may name an edge (not a lock taken alone,
    // which is the slow path only after a foreign unlock: see TryAloneAcquire).
    if (!state.held.empty()) {
      CompleteHookSite(static_cast<const std::uintptr_t*>(__builtin_frame_address(0)), site);
    }
    info = checker->BeforeBlockingAcquire(state, Address(lock), kind, shared, site);
    if (Site* slot =
            checker->PushHeld(state, info, Address(lock), kind, shared, /*blocking=*/true)) {
      *slot = site;
    }
  }
  WaitSlot* const slot = this_thread.wait_slot;
  if (info != nullptr) {
    slot->Publish(info, /*condition=*/false);
  } else {
    // Unresolved: the thread holds nothing else. If the lock is taken
    // between the look at its owner below and this thread's call, a thread
    // that then joins this one holding it finds this wait (FindWaitCycle).
    // The store is not sequentially consistent (it is on every alone lock);
    // the lock call's own atomic instruction right after makes it visible.
    slot->PublishAlone(Address(lock), kind);
  }
  // Held by a thread: this call may block, so see whether it closes a
  // wait-for cycle (off the fast path: waiting costs far more anyway).
  const std::int64_t owner = ExclusiveHolder(Address(lock), kind);
  if (__builtin_expect(owner != 0, 0) ||
      (kind == LockKind::kRwLock && !shared && RwLockReaders(lock) != 0)) {
    if (info == nullptr) {
      // Contended: the wait may last, and the cycle search and the dump
      // name the lock by its LockInfo.
      HookScope scope;
      checker->ResolveHeld(state);
      info = state.held.back().lock;
      slot->Publish(info, /*condition=*/false);
    }
    OnContended(state, info, kind, owner);
  }
  const int result = call();
  slot->Clear();
  if (__builtin_expect(result != 0, 0)) {
    HookScope scope;
    checker->ReleaseIfHeld(state, Address(lock));
  }
  return result;
}

// BlockingChecked as a blocking synchronisation point (AsBlockingPoint).
template <typename Call>
__attribute__((always_inline)) inline int Blocking(const void* lock, LockKind kind, bool shared,
                                                   Call call) {
  return AsBlockingPoint([&](bool active) __attribute__((always_inline)) {
    return BlockingChecked(active, lock, kind, shared, call);
  });
}

template <typename Call>
__attribute__((always_inline)) inline int NonBlocking(const void* lock, LockKind kind, bool shared,
                                                      Call call) {
  const bool active = ActiveAtSyncPoint();
  const int result = call();
  if (!active || CalledByAllocator(__builtin_return_address(0))) return result;
  ThreadLockState& state = State();
  const Site site = CaptureSite();
  if (result == EBUSY || result == ETIMEDOUT) {
    OnFailedTry(state, lock, kind, site);
    return result;
  }
  if (result != 0) return result;
  WaitSlot* const slot = this_thread.wait_slot;
  if ((slot->waiting_on.load(std::memory_order_relaxed) & WaitSlot::kRetrying) != 0) slot->Clear();
  HookScope scope;
  checker->AfterAcquire(state, Address(lock), kind, shared, /*blocking=*/false, site);
  return result;
}

// `kind_of` says what kind of lock it is, asked only off the common path.
template <typename KindOf, typename Call>
__attribute__((always_inline)) inline int Release(const void* lock, KindOf kind_of, Call call) {
  if (ActiveAtSyncPoint()) {
    ThreadLockState* const state = this_thread.state;
    bool released = false;
    if (__builtin_expect(state != nullptr, 1)) {
      InvisibleAccessesToTsan invisible;
      released = checker->TryReleaseLast(*state, Address(lock));
    }
    if (__builtin_expect(!released, 0)) {
      ReleaseOutOfOrder(lock, kind_of(),
                        static_cast<const std::uintptr_t*>(__builtin_frame_address(0)),
                        __builtin_return_address(0));
    }
  }
  return call();
}

// Misuse of `object` (a lock of `kind`, or what else a misuse names) that
// a hook saw, recorded out of line with the hook's site (the walk starts at
// `hook_frame`, the DWARF unwinder completes it).
__attribute__((noinline, cold)) void ReportMisuseFromHook(const void* object, LockKind kind,
                                                          MisuseKind misuse,
                                                          const MisuseFacts& facts,
                                                          const std::uintptr_t* hook_frame);

// A lock call on a mutex pthread_mutex_destroy left behind (glibc marks it
// with kind -1 and fails every later call with EINVAL): misuse.
__attribute__((always_inline)) inline bool UsedAfterDestroy(const pthread_mutex_t* mutex) {
  if (__builtin_expect(__atomic_load_n(&mutex->__data.__kind, __ATOMIC_RELAXED) != -1, 1)) {
    return false;
  }
  if (Active()) {
    ReportMisuseFromHook(mutex, LockKind::kMutex, MisuseKind::kUseDestroyed, {},
                         static_cast<const std::uintptr_t*>(__builtin_frame_address(0)));
  }
  return true;
}

// pthread_mutex_destroy and pthread_rwlock_destroy: destroying a lock a
// thread holds is misuse (glibc refuses a locked mutex with EBUSY and it
// stays a live lock, so it is not forgotten then).
template <typename Call>
__attribute__((always_inline)) inline int Destroying(const void* lock, LockKind kind, Call call) {
  if (!Active() || CalledByAllocator(__builtin_return_address(0))) return call();
  const std::int64_t holder = ExclusiveHolder(Address(lock), kind);
  const bool locked =
      holder != 0 ||
      (kind == LockKind::kRwLock
           ? RwLockReaders(lock) != 0
           : __atomic_load_n(&static_cast<const pthread_mutex_t*>(lock)->__data.__lock,
                             __ATOMIC_RELAXED) != 0);
  if (__builtin_expect(locked, 0)) {
    ReportMisuseFromHook(lock, kind, MisuseKind::kDestroyLocked, MisuseFacts{.holder = holder},
                         static_cast<const std::uintptr_t*>(__builtin_frame_address(0)));
    if (kind != LockKind::kRwLock) return call();  // EBUSY: still the same lock
  }
  {
    HookScope scope;
    checker->Forget(Address(lock));
  }
  return call();
}

template <typename Call>
__attribute__((always_inline)) inline int Forgetting(const void* lock, Call call) {
  if (Active() && !CalledByAllocator(__builtin_return_address(0))) {
    HookScope scope;
    checker->Forget(Address(lock));
  }
  return call();
}

// Counts a tracked wait out of its table when it ends, also when the thread
// is cancelled inside it (cancellation unwinds through the hook).
class WaitCountedOut {
 public:
  WaitCountedOut(ConditionWaiters& table, std::uintptr_t object, bool tracked)
      : table_(table), object_(tracked ? object : 0) {}
  ~WaitCountedOut() {
    if (object_ == 0) return;
    HookScope scope;
    table_.EndWait(object_);
  }
  WaitCountedOut(const WaitCountedOut&) = delete;
  WaitCountedOut& operator=(const WaitCountedOut&) = delete;

 private:
  ConditionWaiters& table_;
  const std::uintptr_t object_;
};

// A condition wait: the mutex is released for the wait and taken again
// after it, and the wait is counted among the condition's (ConditionWaiters:
// a second mutex is misuse).
template <typename Call>
__attribute__((always_inline)) inline int ConditionWaitChecked(bool active,
                                                               pthread_cond_t* condition,
                                                               pthread_mutex_t* mutex, Call call) {
  if (!active || CalledByAllocator(__builtin_return_address(0))) return call();
  ThreadLockState& state = State();
  const Site site = CaptureSite();
  bool held = false;
  ConditionWaiters::Begun begun;
  {
    HookScope scope;
    held = checker->ReleaseForWait(state, Address(mutex), site);
    begun = condition_waiters.BeginWait(Address(condition), Address(mutex));
  }
  if (__builtin_expect(begun.other_mutex != 0, 0)) {
    ReportMisuseFromHook(condition, LockKind::kCondition, MisuseKind::kWaitTwoMutexes,
                         MisuseFacts{.other_mutex = begun.other_mutex},
                         static_cast<const std::uintptr_t*>(__builtin_frame_address(0)));
  }
  LockInfo* mutex_info = nullptr;
  {
    HookScope scope;
    mutex_info = checker->FindLock(state, Address(mutex), MutexKind(mutex), site);
    this_thread.wait_slot->wait_site_id.store(checker->SiteIdOf(state, site),
                                              std::memory_order_relaxed);
  }
  this_thread.wait_slot->wait_site = site;
  this_thread.wait_slot->Publish(mutex_info, /*condition=*/true);
  int result = 0;
  {
    const WaitCountedOut counted_out(condition_waiters, Address(condition), begun.tracked);
    result = call();  // glibc retakes the mutex inside, out of our sight
  }
  this_thread.wait_slot->Clear();
  if (held && Active()) {
    HookScope scope;
    LockInfo* info =
        checker->BeforeBlockingAcquire(state, Address(mutex), MutexKind(mutex), false, site);
    checker->AfterAcquire(state, info, Address(mutex), MutexKind(mutex), false, true, site);
  }
  return result;
}

// ConditionWaitChecked as a blocking synchronisation point (AsBlockingPoint).
template <typename Call>
__attribute__((always_inline)) inline int ConditionWait(pthread_cond_t* condition,
                                                        pthread_mutex_t* mutex, Call call) {
  return AsBlockingPoint([&](bool active) __attribute__((always_inline)) {
    return ConditionWaitChecked(active, condition, mutex, call);
  });
}

// pthread_join: the joining thread waits for the joined one, which may
// itself wait for a lock the joiner holds (a cycle no lock alone shows).
// Only a joined thread known to the hooks can be waiting in one of them
// (its slot is looked up when a cycle is searched, so it may come later).
template <typename Call>
__attribute__((always_inline)) inline int JoiningChecked(bool active, pthread_t thread, Call call) {
  // A joiner that never took a lock holds none that the joined thread could
  // wait for (and is not numbered just for joining).
  if (!active || this_thread.state == nullptr || this_thread.state->held.empty() ||
      CalledByAllocator(__builtin_return_address(0))) {
    return call();
  }
  ThreadLockState& state = *this_thread.state;
  WaitSlot* const slot = this_thread.wait_slot;
  {
    HookScope scope;
    Site site;
    CaptureSiteInto(site);
    CompleteSiteByUnwinding(site);  // std::thread::join has no frame pointer
    slot->wait_site = site;
  }
  slot->joining.store(static_cast<std::uintptr_t>(thread), std::memory_order_relaxed);
  // Published sequentially consistent, as OnContended does.
  slot->waiting_on.exchange(WaitSlot::kJoining, std::memory_order_seq_cst);
  if (!cycle_reported.load(std::memory_order_relaxed)) {
    HookScope scope;
    WaitLink links[16];
    const int count = FindWaitCycle(slot, ExclusiveHolder, /*retrying=*/false, 0, links, 16);
    if (count > 0) ReportCycle(state, links, count, /*livelock=*/false);
  }
  const int result = call();
  slot->Clear();
  slot->joining.store(0, std::memory_order_relaxed);
  return result;
}

// JoiningChecked as a blocking synchronisation point (AsBlockingPoint).
template <typename Call>
__attribute__((always_inline)) inline int Joining(pthread_t thread, Call call) {
  return AsBlockingPoint([&](bool active) __attribute__((always_inline)) {
    return JoiningChecked(active, thread, call);
  });
}

// __cxa_guard_acquire: the guard of a function-local static's
// initialisation is a lock (kStaticInit). The call returns 1 to the one
// thread that is to run the constructor, which holds the guard until
// __cxa_guard_release or __cxa_guard_abort; any other thread calling
// meanwhile blocks until then and gets 0. So it is taken as a blocking
// acquisition (edges from the locks held, the wait-for graph), kept by the
// thread that gets 1 and given back at once by the others. A guard already
// initialised (its first byte set, which the compiler's inline check reads
// too) cannot make anyone wait: no acquisition.
template <typename Call>
__attribute__((always_inline)) inline int StaticInitAcquire(const void* guard, Call call) {
  if (__atomic_load_n(static_cast<const unsigned char*>(guard), __ATOMIC_ACQUIRE) != 0) {
    return call();
  }
  int initializes = 0;
  Blocking(guard, LockKind::kStaticInit, false, [&] {
    initializes = call();
    if (initializes != 0 && this_thread.state != nullptr) {
      hidden_lock_holders.Set(Address(guard), this_thread.state->os_tid);
    }
    return initializes != 0 ? 0 : 1;  // not this thread's to run: the hold is taken back
  });
  return initializes;
}

// __cxa_guard_release and __cxa_guard_abort: the initialising thread lets
// the guard go (initialised, or not after an exception). A guard taken
// before checking began is in no held list and is no misuse.
template <typename Call>
__attribute__((always_inline)) inline void StaticInitRelease(const void* guard, Call call) {
  if (Active() && this_thread.state != nullptr) {
    HookScope scope;
    checker->ReleaseIfHeld(*this_thread.state, Address(guard));
  }
  hidden_lock_holders.Clear(Address(guard));
  call();
}

// Whether the pthread_once control `once` says its routine has run: no
// call on it can wait any more. ThreadSanitizer's pthread_once keeps its own
// states (done is 1); glibc's sets bit 1 (__PTHREAD_ONCE_DONE).
inline bool OnceDone(const pthread_once_t* once) {
  const int value = __atomic_load_n(once, __ATOMIC_ACQUIRE);
  return __tsan_init != nullptr ? value == 1 : (value & 2) != 0;
}

// What pthread_once runs in the thread that initialises, in place of the
// program's routine (this_thread.once_routine): notes the thread as the
// holder and lets the routine's own lock calls be checked (the once call
// is inside a LockCallScope).
void RunOnceRoutine();

// pthread_once (and std::call_once, which calls it): the control is a lock
// (kOnce) held by the thread that runs the routine, while any other thread
// calling meanwhile waits. Taken as a blocking acquisition and given back
// when the call returns, by every caller; a control already done cannot
// make anyone wait: no acquisition.
template <typename Call>
__attribute__((always_inline)) inline int OnceCall(pthread_once_t* once, void (*routine)(),
                                                   Call call) {
  if (OnceDone(once) || !Active()) return call(routine);
  const void* const saved_control = this_thread.once_control;  // a routine calling once again
  void (*const saved_routine)() = this_thread.once_routine;
  this_thread.once_control = once;
  this_thread.once_routine = routine;
  int result = 0;
  Blocking(once, LockKind::kOnce, false, [&] {
    result = call(&RunOnceRoutine);
    return 0;
  });
  this_thread.once_control = saved_control;
  this_thread.once_routine = saved_routine;
  if (Active() && this_thread.state != nullptr) {
    HookScope scope;
    checker->ReleaseIfHeld(*this_thread.state, Address(once));
  }
  return result;
}

}  // namespace racelab::lockorder

#pragma GCC visibility pop

#endif  // RACELAB_HARNESS_LOCKORDER_HOOK_BODIES_H_
