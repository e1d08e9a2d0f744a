// The lock hooks' shared state, for the files that make them up
// (interpose.cc: the entry points; hook_bodies.h: what each kind of call
// does; hook_state.cc: starting the checker, threads, fork, free;
// hook_slow_paths.cc: wait-for cycles and odd unlocks): whether checking is
// on, the checker and its writer, each thread's hook state, the guards
// against re-entry, and the inline helpers every hook uses. Hidden: none of
// it leaves the preload library (nor costs a GOT load in it).
#ifndef RACELAB_HARNESS_LOCKORDER_HOOK_STATE_H_
#define RACELAB_HARNESS_LOCKORDER_HOOK_STATE_H_

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "harness/lockorder/allocator.h"
#include "harness/lockorder/checker.h"
#include "harness/lockorder/condition_waiters.h"
#include "harness/lockorder/hidden_lock_holders.h"
#include "harness/lockorder/invisible_to_tsan.h"
#include "harness/lockorder/record_writer.h"
#include "harness/lockorder/schedule_hooks.h"
#include "harness/lockorder/thread_claims.h"
#include "harness/lockorder/wait_dump.h"

extern "C" {
// The sanitizers' allocator interface (ThreadSanitizer and AddressSanitizer).
int __sanitizer_install_malloc_and_free_hooks(void (*on_malloc)(const volatile void*, size_t),
                                              void (*on_free)(const volatile void*))
    __attribute__((weak));
size_t __sanitizer_get_allocated_size(const volatile void* block) __attribute__((weak));
// Present when AddressSanitizer's (ThreadSanitizer's) runtime is in the process.
void __asan_init() __attribute__((weak));
void __tsan_init() __attribute__((weak));
// ThreadSanitizer's interceptor (see InterceptorPrecedesHooks).
int __interceptor_pthread_mutex_lock(pthread_mutex_t*) __attribute__((weak));
}

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define RACELAB_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define RACELAB_SANITIZER_ALLOCATOR 1
#endif
#endif

#pragma GCC visibility push(hidden)

namespace racelab::lockorder {

// The checker's state, in `mode` with kPerturbedFlag beside it.
enum Mode : int { kUnknown, kInitializing, kOff, kOn };
// Set in `mode` for the whole run when the schedule is perturbed
// (schedule_hooks.h), so that one load of `mode` tells a hook both whether
// to check and whether it is a synchronisation point: a run that is not
// perturbed pays nothing for the schedule.
inline constexpr int kPerturbedFlag = 8;
extern std::atomic<int> mode;
// The checker's state without the flag.
inline int CheckerMode() { return mode.load(std::memory_order_acquire) & ~kPerturbedFlag; }
// Sets the checker's state, keeping the flag.
void SetCheckerMode(int checker_mode);
extern LockOrderChecker* checker;
// The process the checker (and its writer's record file) belongs to.
// A child made without fork's handlers (a raw clone, vfork, a sanitizer
// starting its symbolizer) shares or copies them but must not write to the
// file: its lines would land on the parent's (MappedRecordFile checks too).
extern std::atomic<pid_t> checker_pid;
extern RecordFileWriter* writer;
// The record file prefix and the abort switch, kept for a forked child's
// own checker. A fixed buffer: read without allocating.
extern char record_prefix[4096];
extern bool abort_on_inversion;
// Set by the load-time constructor: until then no hook starts the checker
// (it allocates, and a foreign allocator still setting itself up takes
// locks of its own; jemalloc would wait on itself). Locks taken before it
// are not checked.
extern std::atomic<bool> loaded;
// The holders of hidden locks (static initialisation guards, once controls).
extern constinit HiddenLockHolders hidden_lock_holders;
// The condition variables threads wait on now (misuse only waiters show).
extern constinit ConditionWaiters condition_waiters;
// The barriers threads are inside a pthread_barrier_wait of now.
extern constinit ConditionWaiters barrier_waiters;
// Who joined or detached each thread (thread misuse).
extern constinit ThreadClaims thread_claims;

// This thread's hook state, one thread-local block: the hooks find all of
// it from one address.
struct HookThread {
  static constexpr std::uint8_t kInHook = 1;  // the checker is running: no re-entry
  static constexpr std::uint8_t kExited = 2;  // this thread's state was freed
  std::uint8_t pass_through = 0;              // kInHook | kExited; 0: hooks check
  ThreadLockState* state = nullptr;
  WaitSlot* wait_slot = nullptr;
  std::uintptr_t stack_low = 0;
  std::uintptr_t stack_high = 0;
  // The pthread_once call this thread is in: its control and the routine
  // RunOnceRoutine runs for it (hook_bodies.h).
  const void* once_control = nullptr;
  void (*once_routine)() = nullptr;
};
extern constinit __attribute__((tls_model("initial-exec"))) thread_local HookThread this_thread;

// No re-entry into the hooks while in scope. On its own (outside a
// HookScope) only in code that is never instrumented and may run where
// ThreadSanitizer has no thread state yet: the interposed free of the
// preload library, which a sanitized program's runtime calls while it is
// still setting a new thread up.
// Nests: the flags are restored as they were.
class ReentryGuard {
 public:
  ReentryGuard() : saved_(this_thread.pass_through) {
    this_thread.pass_through = saved_ | HookThread::kInHook;
  }
  ~ReentryGuard() { this_thread.pass_through = saved_; }
  ReentryGuard(const ReentryGuard&) = delete;
  ReentryGuard& operator=(const ReentryGuard&) = delete;

 private:
  const std::uint8_t saved_;
};

// For the whole of a blocking lock hook, its real call included: a signal
// handler that interrupts the thread there and takes locks of its own
// passes through unchecked (and cannot catch the held list half-updated). Between a blocking hook's
// bookkeeping and the lock call returning, the held list already holds the lock the thread only
// waits for; checked, the handler's locks would be ordered after it (a false edge) and the same
// lock taken by the handler would look like a relock (a false self-deadlock). Entered only by a
// thread whose hooks check (pass_through == 0), so it leaves them as it found them.
class LockCallScope {
 public:
  LockCallScope() { this_thread.pass_through = HookThread::kInHook; }
  ~LockCallScope() { this_thread.pass_through = 0; }
  LockCallScope(const LockCallScope&) = delete;
  LockCallScope& operator=(const LockCallScope&) = delete;
};

// While the checker runs: no re-entry, and invisible to ThreadSanitizer
// (made invisible first, visible again last).
class HookScope {
 private:
  InvisibleToTsan invisible_;
  ReentryGuard reentry_;
};

// The OS thread id of the thread holding the lock of the stdio stream at
// `file` (as flockfile takes it, and every stdio call inside glibc): glibc's
// lock keeps its owner's descriptor, the pthread_t, which the hooks' slots
// map to a thread id. 0 when it is free, or when its holder never used the
// hooks (it has no slot). Reads memory only.
inline std::int64_t StreamHolder(std::uintptr_t file) {
  struct StreamLock {  // glibc's _IO_lock_t
    int lock;
    int count;
    void* owner;
  };
  const auto* lock = static_cast<const StreamLock*>(reinterpret_cast<const FILE*>(file)->_lock);
  if (lock == nullptr) return 0;
  const auto owner =
      reinterpret_cast<std::uintptr_t>(__atomic_load_n(&lock->owner, __ATOMIC_RELAXED));
  if (owner == 0) return 0;
  const WaitSlot* const slot = SlotOfPthread(owner);
  return slot == nullptr ? 0 : slot->os_tid.load(std::memory_order_relaxed);
}

// HolderQuery from glibc's own state: a mutex records its owner's thread id
// when locked and clears it when unlocked (every type but elided ones, which
// glibc does not use unless told to), a rwlock its writer's, a stdio
// stream its owner's descriptor; a hidden lock's from the hooks' own note.
inline std::int64_t ExclusiveHolder(std::uintptr_t address, LockKind kind) {
  if (IsHiddenLock(kind)) return hidden_lock_holders.HolderOf(address);
  if (kind == LockKind::kStream) return StreamHolder(address);
  if (!HolderIsKnown(kind)) return 0;  // a spin lock's word says "locked", not by whom
  if (kind == LockKind::kRwLock) {
    return __atomic_load_n(&reinterpret_cast<pthread_rwlock_t*>(address)->__data.__cur_writer,
                           __ATOMIC_RELAXED);
  }
  return __atomic_load_n(&reinterpret_cast<pthread_mutex_t*>(address)->__data.__owner,
                         __ATOMIC_RELAXED);
}

// How many readers hold the rwlock at `lock` (glibc keeps the count above
// its three state bits, PTHREAD_RWLOCK_READER_SHIFT).
inline unsigned RwLockReaders(const void* lock) {
  return __atomic_load_n(&static_cast<const pthread_rwlock_t*>(lock)->__data.__readers,
                         __ATOMIC_RELAXED) >>
         3;
}

// ReadersQuery from glibc's own state.
inline std::uint32_t SharedHolders(std::uintptr_t address, LockKind kind) {
  return kind == LockKind::kRwLock ? RwLockReaders(reinterpret_cast<const void*>(address)) : 0;
}

// Starts the checker (once, from the load-time constructor or the first
// hook after it); whether checking is on.
bool Initialize();

// Active() when `mode` is neither kOn nor kOff alone: perturbed, or not
// started yet (`checker_mode`, the state without the flag).
bool ActiveOtherwise(int checker_mode);

__attribute__((always_inline)) inline bool Active() {
  const int current = mode.load(std::memory_order_acquire);
  if (__builtin_expect(current == kOn, 1)) return this_thread.pass_through == 0;
  if (current == kOff) return false;
  return ActiveOtherwise(current & ~kPerturbedFlag);
}

// Active() at a hook's entry, which is a synchronisation point of a
// perturbed schedule (PerturbAtSyncPoint runs first). Not perturbed, it
// costs what Active() does.
__attribute__((always_inline)) inline bool ActiveAtSyncPoint() {
  const int current = mode.load(std::memory_order_acquire);
  if (__builtin_expect(current == kOn, 1)) return this_thread.pass_through == 0;
  if (current == kOff) return false;
  if ((current & kPerturbedFlag) != 0) PerturbAtSyncPoint();
  return ActiveOtherwise(current & ~kPerturbedFlag);
}

// Runs `body(active)`, a hook that may block until another thread acts (a
// lock wait, a condition wait, a join), with `active` as Active() says: a
// synchronisation point during which a perturbed schedule counts the
// thread as blocked (the checker's short work inside included). Not
// perturbed, it costs what Active() does.
template <typename Body>
__attribute__((always_inline)) inline int AsBlockingPoint(Body body) {
  const int current = mode.load(std::memory_order_acquire);
  if (__builtin_expect(current == kOn, 1)) return body(this_thread.pass_through == 0);
  if (current == kOff) return body(false);
  const bool perturbed = (current & kPerturbedFlag) != 0;
  if (perturbed) PerturbAtSyncPoint();
  const PerturbBlockedScope blocked(perturbed);
  return body(ActiveOtherwise(current & ~kPerturbedFlag));
}

// The calling thread's state, made on its first checked lock call.
ThreadLockState& NewState();

__attribute__((always_inline)) inline ThreadLockState& State() {
  if (__builtin_expect(this_thread.state != nullptr, 1)) return *this_thread.state;
  return NewState();
}

// What racelab learned of each return address that called a hook (the
// site's first frame): whether its function keeps a frame pointer, and if
// not, how many words above the hook's frame its own return address lies
// (constant at a given call instruction). A direct-mapped table of words
// (pc << 16) | (0: keeps a frame pointer, else 1 + the offset in words),
// filled once per call site by LearnFirstFrame with the DWARF unwinder.
inline constexpr std::size_t kFirstFrameSlots = 4096;
extern std::atomic<std::uint64_t> first_frames[kFirstFrameSlots];

// A first frame not in the table yet: unwinds once, records what it found
// and mends `site` (see FixFramelessCaller).
__attribute__((noinline, cold)) void LearnFirstFrame(const std::uintptr_t* frame, Site& site);

// The first frame's function has no frame pointer, so the walk skipped its
// caller: put that caller's return address (read `offset_words` above the
// hook's frame, inside the stack) second, before what the walk found.
__attribute__((always_inline)) inline void FixFramelessCaller(const std::uintptr_t* frame,
                                                              std::uint64_t offset_words,
                                                              Site& site) {
  const std::uintptr_t* slot = frame + 1 + offset_words;  // (hook's CFA + offset) - 1 word
  if (reinterpret_cast<std::uintptr_t>(slot) >= this_thread.stack_high) return;
  for (int i = kMaxSiteFrames - 1; i > 1; --i) site.pcs[i] = site.pcs[i - 1];
  site.pcs[1] = *slot;
  site.depth = site.depth + 1 < kMaxSiteFrames ? site.depth + 1 : kMaxSiteFrames;
}

// Return addresses of the hook's callers, by walking frame pointers inside
// this thread's stack; stops early where frames lack them (a saved frame
// pointer that does not lead further up the stack), and mends the one gap
// the walk cannot see, a first frame without a frame pointer (first_frames).
// Always inlined, so the walk starts in the hook's own frame. Unrolled, with
// only the checks that keep every read inside the stack: the walk runs on
// every acquisition.
__attribute__((always_inline)) inline void CaptureSiteFrom(const std::uintptr_t* frame,
                                                           Site& site) {
  const auto* const top = reinterpret_cast<const std::uintptr_t*>(this_thread.stack_high) - 2;
  const std::uintptr_t* const first = frame;
  int depth = 0;
  if (reinterpret_cast<std::uintptr_t>(frame) >= this_thread.stack_low && frame <= top) {
#pragma GCC unroll 8
    for (int i = 0; i < kMaxSiteFrames; ++i) {
      site.pcs[i] = frame[1];
      depth = i + 1;
      const auto* next = reinterpret_cast<const std::uintptr_t*>(frame[0]);
      if (next <= frame || next > top) break;
      frame = next;
    }
  }
  site.depth = depth;
  if (depth == 0) return;
  const std::uintptr_t* const hook_frame = first;
  const std::uint64_t known =
      first_frames[(site.pcs[0] >> 2) % kFirstFrameSlots].load(std::memory_order_relaxed);
  if (__builtin_expect((known >> 16) == site.pcs[0], 1)) {
    if ((known & 0xffff) != 0) FixFramelessCaller(hook_frame, (known & 0xffff) - 1, site);
  } else {
    LearnFirstFrame(hook_frame, site);
  }
}

// The site of the hook this is inlined into: its caller's return address first.
__attribute__((always_inline)) inline void CaptureSiteInto(Site& site) {
  CaptureSiteFrom(static_cast<const std::uintptr_t*>(__builtin_frame_address(0)), site);
}

// Redoes a site the frame walk captured (its first frame, the hook's
// caller, is always right) with the DWARF unwinder, which needs no frame
// pointers: past a function compiled without them, the frame walk skips
// its caller's frame (std::thread::join, an outlined std::mutex::lock, any
// -O2 code) or stops. Costs microseconds, so only on slow paths: a new
// lock chain, a join under a lock, a misuse. Keeps the walk's frames when
// the unwinder cannot find the first one. Call inside a HookScope.
__attribute__((noinline)) void CompleteSiteByUnwinding(Site& site);

// CompleteSiteByUnwinding for a site the frame walk captured from
// `hook_frame` (the hook's own frame, still live): a site completed before
// from the same walk is read from the stack where the unwinder found its
// frames then (unwind_plans.h), without unwinding again. For the slow path
// every new lock chain takes.
__attribute__((noinline)) void CompleteHookSite(const std::uintptr_t* hook_frame, Site& site);

__attribute__((always_inline)) inline Site CaptureSite() {
  Site site;
  CaptureSiteInto(site);
  return site;
}

inline LockKind MutexKind(const pthread_mutex_t* mutex) {
  // glibc keeps the type in the low bits of __kind (PTHREAD_MUTEX_KIND_MASK_NP).
  return (mutex->__data.__kind & 3) == PTHREAD_MUTEX_RECURSIVE_NP ? LockKind::kRecursiveMutex
                                                                  : LockKind::kMutex;
}

inline std::uintptr_t Address(const void* lock) { return reinterpret_cast<std::uintptr_t>(lock); }

// Whether a sanitizer's interceptor lives in the main program while these
// hooks do not (see hook_state.cc).
bool InterceptorPrecedesHooks(const void* interceptor);

// Whether relocking `lock` while holding it fails with EDEADLK rather than
// blocking for ever: an error-checking mutex, or glibc's rwlock write lock.
inline bool RefusesRelock(const void* lock, LockKind kind) {
  if (kind == LockKind::kRwLock) return true;
  return kind == LockKind::kMutex && (static_cast<const pthread_mutex_t*>(lock)->__data.__kind &
                                      3) == PTHREAD_MUTEX_ERRORCHECK_NP;
}

template <typename Fn>
Fn Next(Fn interceptor, const char* name) {
  if (interceptor != nullptr &&
      !InterceptorPrecedesHooks(reinterpret_cast<const void*>(interceptor))) {
    return interceptor;
  }
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

// Called once, when a checker starts: frees are watched from then on.
void WatchFrees();

// A heap block is being freed: the locks in it are gone, so a lock later
// built at one of their addresses is a new lock (std::mutex has no destroy
// call to say so). Lock-free unless the block may hold a known lock.
// `Guard` is HookScope, or ReentryGuard from uninstrumented free().
template <typename Guard>
inline void ForgetLocksIn(const void* block, size_t (*block_size)(const void*)) {
  if (block == nullptr || CheckerMode() != kOn ||
      (this_thread.pass_through & HookThread::kInHook) != 0 || !checker->KnowsAnyLock()) {
    return;
  }
  const std::uintptr_t begin = Address(block);
  const std::uintptr_t end = begin + block_size(block);
  if (!checker->MayHoldLocks(begin, end)) return;
  Guard guard;
  checker->ForgetRange(begin, end);
}

}  // namespace racelab::lockorder

#pragma GCC visibility pop

#endif  // RACELAB_HARNESS_LOCKORDER_HOOK_STATE_H_
