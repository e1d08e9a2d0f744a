// The pthread hooks that feed the lock-order checker from unmodified code:
// std::mutex, std::recursive_mutex, std::timed_mutex, std::shared_mutex and
// std::condition_variable all end in these pthread calls (and
// std::thread::join in pthread_join, for wait-for cycles through a join),
// and so do spin locks (pthread_spin_*) and the hidden locks: a
// function-local static's initialisation (__cxa_guard_*) and pthread_once.
// Condition variables' waits, wakes and destruction, semaphores' posts
// and destruction, barriers, and threads' creation, joins and detaches are
// watched for misuse.
// Linked into the `racelab` binary (so case code is checked in every
// preset, and the definitions here beat clang's static TSan runtime, whose
// pthread symbols are weak) and built as libracelab_lockorder_preload.so
// for LD_PRELOAD.
//
// Each hook forwards to the next definition: ThreadSanitizer's interceptor
// when there is one (`__interceptor_<name>`), else the next object's
// (dlsym RTLD_NEXT, i.e. glibc). Checking is off unless the environment
// names a record file prefix (RACELAB_LOCKORDER_FILE: each process image
// records into <value>.<pid>.<n> of its own, see CreateRecordFile; a child
// forked without exec starts a checker and a file of its own).
// While the checker's slow paths work, a thread-local guard sends re-entrant
// calls straight through (the fast paths call nothing that could re-enter),
// and ThreadSanitizer is told to ignore the checker's own memory accesses
// and synchronisation, so its lock cannot create happens-before between
// user threads and hide their races.
//
// The entry points only: what each kind of call does is hook_bodies.h (and
// sync_object_hooks.h for what is not a lock), the state they share
// hook_state.h.
#include <cxxabi.h>
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#include <atomic>
#include <ctime>

#include "harness/lockorder/hook_bodies.h"
#include "harness/lockorder/hooks.h"
#include "harness/lockorder/sync_object_hooks.h"
#include "harness/lockorder/thread_hooks.h"

// --- The interposed entry points --------------------------------------------
#ifndef RACELAB_SANITIZER_ALLOCATOR

// Without a sanitizer in this build, free is interposed (operator delete
// calls it). A block's size comes from the allocator that owns it: a
// sanitizer runtime's (its size query needs no thread state, unlike its
// malloc_usable_size interceptor) or glibc's.
extern "C" void free(void* block) {
  racelab::lockorder::ForgetLocksIn<racelab::lockorder::ReentryGuard>(block, [](const void* b) {
    return __sanitizer_get_allocated_size != nullptr ? __sanitizer_get_allocated_size(b)
                                                     : malloc_usable_size(const_cast<void*>(b));
  });
  racelab::lockorder::CallNextFree(block);
}
#endif

using racelab::lockorder::BarrierEnding;
using racelab::lockorder::BarrierWait;
using racelab::lockorder::Blocking;
using racelab::lockorder::ClaimThreadEnd;
using racelab::lockorder::ConditionDestroy;
using racelab::lockorder::ConditionInit;
using racelab::lockorder::ConditionWait;
using racelab::lockorder::ConditionWake;
using racelab::lockorder::CreateThread;
using racelab::lockorder::Destroying;
using racelab::lockorder::Forgetting;
using racelab::lockorder::Joining;
using racelab::lockorder::LockKind;
using racelab::lockorder::MisuseKind;
using racelab::lockorder::MutexKind;
using racelab::lockorder::Next;
using racelab::lockorder::NonBlocking;
using racelab::lockorder::OnceCall;
using racelab::lockorder::PerturbedYield;
using racelab::lockorder::perturbing;
using racelab::lockorder::Release;
using racelab::lockorder::SemaphoreDestroy;
using racelab::lockorder::SemaphorePost;
using racelab::lockorder::StaticInitAcquire;
using racelab::lockorder::StaticInitRelease;
using racelab::lockorder::ThreadClaims;
using racelab::lockorder::UsedAfterDestroy;

// Declares TSan's interceptor for NAME (weak: absent outside TSan builds) and
// a pointer to whatever comes next, resolved on first use. Not a
// function-local static: TSan models its guard as acquire/release, so the
// first thread through each hook would have ordered every later one after
// itself and hidden their races. A relaxed atomic orders nothing; two
// threads resolving at once store the same pointer.
#define RACELAB_NEXT(ret, name, params)                             \
  extern "C" ret __interceptor_##name params __attribute__((weak)); \
  static std::atomic<ret(*) params> next_##name{nullptr};           \
  static ret(*NextOf_##name()) params {                             \
    auto* next = next_##name.load(std::memory_order_relaxed);       \
    if (__builtin_expect(next == nullptr, 0)) {                     \
      next = Next(&__interceptor_##name, #name);                    \
      next_##name.store(next, std::memory_order_relaxed);           \
    }                                                               \
    return next;                                                    \
  }

RACELAB_NEXT(int, pthread_mutex_lock, (pthread_mutex_t*))
RACELAB_NEXT(int, pthread_mutex_trylock, (pthread_mutex_t*))
RACELAB_NEXT(int, pthread_mutex_timedlock, (pthread_mutex_t*, const struct timespec*))
RACELAB_NEXT(int, pthread_mutex_clocklock, (pthread_mutex_t*, clockid_t, const struct timespec*))
RACELAB_NEXT(int, pthread_mutex_unlock, (pthread_mutex_t*))
RACELAB_NEXT(int, pthread_mutex_init, (pthread_mutex_t*, const pthread_mutexattr_t*))
RACELAB_NEXT(int, pthread_mutex_destroy, (pthread_mutex_t*))
RACELAB_NEXT(int, pthread_rwlock_rdlock, (pthread_rwlock_t*))
RACELAB_NEXT(int, pthread_rwlock_wrlock, (pthread_rwlock_t*))
RACELAB_NEXT(int, pthread_rwlock_tryrdlock, (pthread_rwlock_t*))
RACELAB_NEXT(int, pthread_rwlock_trywrlock, (pthread_rwlock_t*))
RACELAB_NEXT(int, pthread_rwlock_timedrdlock, (pthread_rwlock_t*, const struct timespec*))
RACELAB_NEXT(int, pthread_rwlock_timedwrlock, (pthread_rwlock_t*, const struct timespec*))
RACELAB_NEXT(int, pthread_rwlock_clockrdlock,
             (pthread_rwlock_t*, clockid_t, const struct timespec*))
RACELAB_NEXT(int, pthread_rwlock_clockwrlock,
             (pthread_rwlock_t*, clockid_t, const struct timespec*))
RACELAB_NEXT(int, pthread_rwlock_unlock, (pthread_rwlock_t*))
RACELAB_NEXT(int, pthread_rwlock_init, (pthread_rwlock_t*, const pthread_rwlockattr_t*))
RACELAB_NEXT(int, pthread_rwlock_destroy, (pthread_rwlock_t*))
RACELAB_NEXT(int, pthread_spin_lock, (pthread_spinlock_t*))
RACELAB_NEXT(int, pthread_spin_trylock, (pthread_spinlock_t*))
RACELAB_NEXT(int, pthread_spin_unlock, (pthread_spinlock_t*))
RACELAB_NEXT(int, pthread_spin_init, (pthread_spinlock_t*, int))
RACELAB_NEXT(int, pthread_spin_destroy, (pthread_spinlock_t*))
RACELAB_NEXT(int, pthread_join, (pthread_t, void**))
RACELAB_NEXT(int, sched_yield, ())
RACELAB_NEXT(int, pthread_detach, (pthread_t))
RACELAB_NEXT(int, pthread_create, (pthread_t*, const pthread_attr_t*, void* (*)(void*), void*))
RACELAB_NEXT(int, pthread_once, (pthread_once_t*, void (*)()))
RACELAB_NEXT(int, pthread_cond_wait, (pthread_cond_t*, pthread_mutex_t*))
RACELAB_NEXT(int, pthread_cond_timedwait,
             (pthread_cond_t*, pthread_mutex_t*, const struct timespec*))
RACELAB_NEXT(int, pthread_cond_clockwait,
             (pthread_cond_t*, pthread_mutex_t*, clockid_t, const struct timespec*))
RACELAB_NEXT(int, pthread_cond_signal, (pthread_cond_t*))
RACELAB_NEXT(int, pthread_cond_broadcast, (pthread_cond_t*))
RACELAB_NEXT(int, pthread_cond_init, (pthread_cond_t*, const pthread_condattr_t*))
RACELAB_NEXT(int, pthread_cond_destroy, (pthread_cond_t*))
RACELAB_NEXT(int, sem_post, (sem_t*))
RACELAB_NEXT(int, sem_destroy, (sem_t*))
RACELAB_NEXT(int, pthread_barrier_init,
             (pthread_barrier_t*, const pthread_barrierattr_t*, unsigned int))
RACELAB_NEXT(int, pthread_barrier_destroy, (pthread_barrier_t*))
RACELAB_NEXT(int, pthread_barrier_wait, (pthread_barrier_t*))
RACELAB_NEXT(void, flockfile, (FILE*))
RACELAB_NEXT(int, ftrylockfile, (FILE*))
RACELAB_NEXT(void, funlockfile, (FILE*))

// clang's static ThreadSanitizer runtime defines the __cxa_guard functions
// itself, not weakly (gcc's shared one does too, and is found next): in a
// clang TSan build they are left to it.
#if defined(__clang__) && defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RACELAB_TSAN_OWNS_STATIC_GUARDS 1
#endif
#endif

#ifndef RACELAB_TSAN_OWNS_STATIC_GUARDS
RACELAB_NEXT(int, __cxa_guard_acquire, (__cxxabiv1::__guard*))
RACELAB_NEXT(void, __cxa_guard_release, (__cxxabiv1::__guard*))
RACELAB_NEXT(void, __cxa_guard_abort, (__cxxabiv1::__guard*))
#endif

extern "C" {

int pthread_mutex_lock(pthread_mutex_t* m) {
  if (UsedAfterDestroy(m)) return NextOf_pthread_mutex_lock()(m);
  return Blocking(m, MutexKind(m), false, [&] { return NextOf_pthread_mutex_lock()(m); });
}
int pthread_mutex_trylock(pthread_mutex_t* m) {
  if (UsedAfterDestroy(m)) return NextOf_pthread_mutex_trylock()(m);
  return NonBlocking(m, MutexKind(m), false, [&] { return NextOf_pthread_mutex_trylock()(m); });
}
int pthread_mutex_timedlock(pthread_mutex_t* m, const struct timespec* t) {
  if (UsedAfterDestroy(m)) return NextOf_pthread_mutex_timedlock()(m, t);
  return NonBlocking(m, MutexKind(m), false,
                     [&] { return NextOf_pthread_mutex_timedlock()(m, t); });
}
int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t c, const struct timespec* t) {
  if (UsedAfterDestroy(m)) return NextOf_pthread_mutex_clocklock()(m, c, t);
  return NonBlocking(m, MutexKind(m), false,
                     [&] { return NextOf_pthread_mutex_clocklock()(m, c, t); });
}
int pthread_mutex_unlock(pthread_mutex_t* m) {
  if (UsedAfterDestroy(m)) return NextOf_pthread_mutex_unlock()(m);
  return Release(
      m, [m] { return MutexKind(m); }, [m] { return NextOf_pthread_mutex_unlock()(m); });
}
int pthread_mutex_init(pthread_mutex_t* m, const pthread_mutexattr_t* a) {
  return Forgetting(m, [&] { return NextOf_pthread_mutex_init()(m, a); });
}
int pthread_mutex_destroy(pthread_mutex_t* m) {
  if (UsedAfterDestroy(m)) return NextOf_pthread_mutex_destroy()(m);
  return Destroying(m, MutexKind(m), [&] { return NextOf_pthread_mutex_destroy()(m); });
}

int pthread_rwlock_rdlock(pthread_rwlock_t* l) {
  return Blocking(l, LockKind::kRwLock, true, [&] { return NextOf_pthread_rwlock_rdlock()(l); });
}
int pthread_rwlock_wrlock(pthread_rwlock_t* l) {
  return Blocking(l, LockKind::kRwLock, false, [&] { return NextOf_pthread_rwlock_wrlock()(l); });
}
int pthread_rwlock_tryrdlock(pthread_rwlock_t* l) {
  return NonBlocking(l, LockKind::kRwLock, true,
                     [&] { return NextOf_pthread_rwlock_tryrdlock()(l); });
}
int pthread_rwlock_trywrlock(pthread_rwlock_t* l) {
  return NonBlocking(l, LockKind::kRwLock, false,
                     [&] { return NextOf_pthread_rwlock_trywrlock()(l); });
}
int pthread_rwlock_timedrdlock(pthread_rwlock_t* l, const struct timespec* t) {
  return NonBlocking(l, LockKind::kRwLock, true,
                     [&] { return NextOf_pthread_rwlock_timedrdlock()(l, t); });
}
int pthread_rwlock_timedwrlock(pthread_rwlock_t* l, const struct timespec* t) {
  return NonBlocking(l, LockKind::kRwLock, false,
                     [&] { return NextOf_pthread_rwlock_timedwrlock()(l, t); });
}
int pthread_rwlock_clockrdlock(pthread_rwlock_t* l, clockid_t c, const struct timespec* t) {
  return NonBlocking(l, LockKind::kRwLock, true,
                     [&] { return NextOf_pthread_rwlock_clockrdlock()(l, c, t); });
}
int pthread_rwlock_clockwrlock(pthread_rwlock_t* l, clockid_t c, const struct timespec* t) {
  return NonBlocking(l, LockKind::kRwLock, false,
                     [&] { return NextOf_pthread_rwlock_clockwrlock()(l, c, t); });
}
int pthread_rwlock_unlock(pthread_rwlock_t* l) {
  return Release(
      l, [] { return LockKind::kRwLock; }, [l] { return NextOf_pthread_rwlock_unlock()(l); });
}
int pthread_rwlock_init(pthread_rwlock_t* l, const pthread_rwlockattr_t* a) {
  return Forgetting(l, [&] { return NextOf_pthread_rwlock_init()(l, a); });
}
int pthread_rwlock_destroy(pthread_rwlock_t* l) {
  return Destroying(l, LockKind::kRwLock, [&] { return NextOf_pthread_rwlock_destroy()(l); });
}

// A spin lock's address as the hooks take it (pthread_spinlock_t is a
// volatile int: the hooks never read it).
static const void* SpinLock(pthread_spinlock_t* l) { return const_cast<const int*>(l); }

int pthread_spin_lock(pthread_spinlock_t* l) {
  return Blocking(SpinLock(l), LockKind::kSpin, false,
                  [&] { return NextOf_pthread_spin_lock()(l); });
}
int pthread_spin_trylock(pthread_spinlock_t* l) {
  return NonBlocking(SpinLock(l), LockKind::kSpin, false,
                     [&] { return NextOf_pthread_spin_trylock()(l); });
}
int pthread_spin_unlock(pthread_spinlock_t* l) {
  return Release(
      SpinLock(l), [] { return LockKind::kSpin; }, [l] { return NextOf_pthread_spin_unlock()(l); });
}
int pthread_spin_init(pthread_spinlock_t* l, int shared) {
  return Forgetting(SpinLock(l), [&] { return NextOf_pthread_spin_init()(l, shared); });
}
int pthread_spin_destroy(pthread_spinlock_t* l) {
  return Forgetting(SpinLock(l), [&] { return NextOf_pthread_spin_destroy()(l); });
}

int pthread_create(pthread_t* t, const pthread_attr_t* a, void* (*routine)(void*), void* arg) {
  return CreateThread(t, a, routine, arg, __builtin_return_address(0), NextOf_pthread_create());
}
int pthread_detach(pthread_t t) {
  ClaimThreadEnd(t, ThreadClaims::Claim::kDetached, __builtin_return_address(0),
                 static_cast<const std::uintptr_t*>(__builtin_frame_address(0)));
  return NextOf_pthread_detach()(t);
}
int pthread_join(pthread_t t, void** r) {
  ClaimThreadEnd(t, ThreadClaims::Claim::kJoined, __builtin_return_address(0),
                 static_cast<const std::uintptr_t*>(__builtin_frame_address(0)));
  return Joining(t, [&] { return NextOf_pthread_join()(t, r); });
}

int sched_yield() {
  if (__builtin_expect(perturbing, false) && PerturbedYield()) return 0;
  return NextOf_sched_yield()();
}

int pthread_once(pthread_once_t* o, void (*f)()) {
  return OnceCall(o, f, [o](void (*routine)()) { return NextOf_pthread_once()(o, routine); });
}

int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  return ConditionWait(c, m, [&] { return NextOf_pthread_cond_wait()(c, m); });
}
int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const struct timespec* t) {
  return ConditionWait(c, m, [&] { return NextOf_pthread_cond_timedwait()(c, m, t); });
}
int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t k,
                           const struct timespec* t) {
  return ConditionWait(c, m, [&] { return NextOf_pthread_cond_clockwait()(c, m, k, t); });
}
int pthread_cond_signal(pthread_cond_t* c) {
  return ConditionWake(c, /*all=*/false, [c] { return NextOf_pthread_cond_signal()(c); });
}
int pthread_cond_broadcast(pthread_cond_t* c) {
  return ConditionWake(c, /*all=*/true, [c] { return NextOf_pthread_cond_broadcast()(c); });
}
int pthread_cond_init(pthread_cond_t* c, const pthread_condattr_t* a) {
  return ConditionInit(c, [&] { return NextOf_pthread_cond_init()(c, a); });
}
int pthread_cond_destroy(pthread_cond_t* c) {
  return ConditionDestroy(c, [c] { return NextOf_pthread_cond_destroy()(c); });
}

int sem_post(sem_t* s) {
  return SemaphorePost(s, [s] { return NextOf_sem_post()(s); });
}
int sem_destroy(sem_t* s) {
  return SemaphoreDestroy(s, [s] { return NextOf_sem_destroy()(s); });
}

// A stdio stream's lock, as flockfile takes it: a recursive lock named by
// the FILE object (the stdio functions lock the stream inside glibc, not
// through these, and are not seen).
void flockfile(FILE* f) noexcept {
  Blocking(f, LockKind::kStream, false, [f] {
    NextOf_flockfile()(f);
    return 0;
  });
}
int ftrylockfile(FILE* f) noexcept {
  return NonBlocking(f, LockKind::kStream, false, [f] {
    // glibc's "not taken" is any non-zero value; the hooks know EBUSY.
    return NextOf_ftrylockfile()(f) == 0 ? 0 : EBUSY;
  });
}
void funlockfile(FILE* f) noexcept {
  Release(
      f, [] { return LockKind::kStream; },
      [f] {
        NextOf_funlockfile()(f);
        return 0;
      });
}

int pthread_barrier_init(pthread_barrier_t* b, const pthread_barrierattr_t* a, unsigned int count) {
  return BarrierEnding(b, MisuseKind::kReinitWaited,
                       [&] { return NextOf_pthread_barrier_init()(b, a, count); });
}
int pthread_barrier_wait(pthread_barrier_t* b) {
  return BarrierWait(b, [b] { return NextOf_pthread_barrier_wait()(b); });
}
int pthread_barrier_destroy(pthread_barrier_t* b) {
  return BarrierEnding(b, MisuseKind::kDestroyWaited,
                       [b] { return NextOf_pthread_barrier_destroy()(b); });
}

#ifndef RACELAB_TSAN_OWNS_STATIC_GUARDS
int __cxa_guard_acquire(__cxxabiv1::__guard* g) {  // may throw, as declared (recursive init)
  return StaticInitAcquire(g, [g] { return NextOf___cxa_guard_acquire()(g); });
}
void __cxa_guard_release(__cxxabiv1::__guard* g) noexcept {
  StaticInitRelease(g, [g] { NextOf___cxa_guard_release()(g); });
}
void __cxa_guard_abort(__cxxabiv1::__guard* g) noexcept {
  StaticInitRelease(g, [g] { NextOf___cxa_guard_abort()(g); });
}
#endif

}  // extern "C"
