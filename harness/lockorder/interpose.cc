// The pthread hooks that feed the lock-order checker from unmodified code:
// std::mutex, std::recursive_mutex, std::timed_mutex, std::shared_mutex and
// std::condition_variable all end in these pthread calls (and
// std::thread::join in pthread_join, for wait-for cycles through a join). Linked into the
// `racelab` binary (so case code is checked in every preset, and the
// definitions here beat clang's static TSan runtime, whose pthread symbols
// are weak) and built as libracelab_lockorder_preload.so for LD_PRELOAD.
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
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>
#include <string>

#include "harness/lockorder/allocator.h"
#include "harness/lockorder/checker.h"
#include "harness/lockorder/hooks.h"
#include "harness/lockorder/invisible_to_tsan.h"
#include "harness/lockorder/protocol.h"
#include "harness/lockorder/record_writer.h"
#include "harness/lockorder/wait_dump.h"

extern "C" {
// The sanitizers' allocator interface (ThreadSanitizer and AddressSanitizer).
int __sanitizer_install_malloc_and_free_hooks(void (*on_malloc)(const volatile void*, size_t),
                                              void (*on_free)(const volatile void*))
    __attribute__((weak));
size_t __sanitizer_get_allocated_size(const volatile void* block) __attribute__((weak));
// Present when AddressSanitizer's runtime is in the process.
void __asan_init() __attribute__((weak));
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

namespace racelab::lockorder {
namespace {

enum Mode : int { kUnknown, kInitializing, kOff, kOn };
std::atomic<int> mode{kUnknown};
alignas(RecordFileWriter) unsigned char writer_storage[sizeof(RecordFileWriter)];
alignas(LockOrderChecker) unsigned char checker_storage[sizeof(LockOrderChecker)];
LockOrderChecker* checker = nullptr;
// The process the checker (and its writer's kept-back records) belongs to.
// A child made without fork's handlers (a raw clone, vfork, a sanitizer
// starting its symbolizer) shares or copies them but must not write them:
// the parent will, and the lines would be in the file twice.
std::atomic<pid_t> checker_pid{0};

RecordFileWriter* writer = nullptr;

// The record file prefix and the abort switch, kept for a forked child's
// own checker. A fixed buffer: read without allocating.
char record_prefix[4096];
bool abort_on_inversion = false;

// Set by the load-time constructor: until then no hook starts the checker
// (it allocates, and a foreign allocator still setting itself up takes
// locks of its own; jemalloc would wait on itself). Locks taken before it
// are not checked.
std::atomic<bool> loaded{false};

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
};
__attribute__((tls_model("initial-exec"))) thread_local HookThread this_thread;

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
// passes through unchecked (and cannot catch the held list half-updated). Between a blocking hook's bookkeeping and the lock call
// returning, the held list already holds the lock the thread only waits
// for; checked, the handler's locks would be ordered after it (a false
// edge) and the same lock taken by the handler would look like a relock (a
// false self-deadlock). Entered only by a thread whose hooks check
// (pass_through == 0), so it leaves them as it found them.
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

// Frees the thread's state when the thread exits.
struct ThreadStateOwner {
  ~ThreadStateOwner() {
    HookScope scope;
    if (this_thread.wait_slot != nullptr) this_thread.wait_slot->Clear();
    delete this_thread.state;
    this_thread.state = nullptr;
    this_thread.pass_through |= HookThread::kExited;
  }
};
thread_local ThreadStateOwner thread_state_owner;

void WatchFrees();

// HolderQuery from glibc's own state: a mutex records its owner's thread id
// when locked and clears it when unlocked (every type but elided ones, which
// glibc does not use unless told to), a rwlock its writer's.
std::int64_t ExclusiveHolder(std::uintptr_t address, LockKind kind) {
  if (kind == LockKind::kRwLock) {
    return __atomic_load_n(&reinterpret_cast<pthread_rwlock_t*>(address)->__data.__cur_writer,
                           __ATOMIC_RELAXED);
  }
  return __atomic_load_n(&reinterpret_cast<pthread_mutex_t*>(address)->__data.__owner,
                         __ATOMIC_RELAXED);
}

// How many readers hold the rwlock at `lock` (glibc keeps the count above
// its three state bits, PTHREAD_RWLOCK_READER_SHIFT).
unsigned RwLockReaders(const void* lock) {
  return __atomic_load_n(&static_cast<const pthread_rwlock_t*>(lock)->__data.__readers,
                         __ATOMIC_RELAXED) >> 3;
}

// ReadersQuery from glibc's own state.
std::uint32_t SharedHolders(std::uintptr_t address, LockKind kind) {
  return kind == LockKind::kRwLock ? RwLockReaders(reinterpret_cast<const void*>(address)) : 0;
}

// The wait-for dump's descriptor, for its signal handler.
int CurrentRecordFd() {
  RecordFileWriter* const current = writer;
  return current == nullptr ? -1 : current->ValidFd();
}

void BeforeFork();
void AfterForkInParent();
void AfterForkInChild();

void InitializeAtLoad();

// Whether a sanitizer's interceptor lives in the main program while these
// hooks do not: a clang sanitizer build (its runtime is linked into the
// executable) reached through LD_PRELOAD, say by a shell script that runs
// it. The program's own interceptors then come first in symbol lookup, and
// call these hooks as their "real" function (dlsym RTLD_NEXT): calling the
// interceptor back would recurse until the stack overflows.
bool InterceptorPrecedesHooks(const void* interceptor) {
  if (interceptor == nullptr) return false;
  Dl_info theirs{}, ours{}, program{};
  if (::dladdr(interceptor, &theirs) == 0 ||
      ::dladdr(reinterpret_cast<const void*>(&InitializeAtLoad), &ours) == 0 ||
      ::dladdr(reinterpret_cast<const void*>(::getauxval(AT_ENTRY)), &program) == 0) {
    return false;
  }
  return theirs.dli_fbase == program.dli_fbase && ours.dli_fbase != program.dli_fbase;
}

bool Initialize() {
  int expected = kUnknown;
  if (!mode.compare_exchange_strong(expected, kInitializing, std::memory_order_acq_rel)) {
    while ((expected = mode.load(std::memory_order_acquire)) == kInitializing) sched_yield();
    return expected == kOn;
  }
  const char* prefix = std::getenv(kRecordFileVariable);
  std::string path;
  int fd = -1;
  // In a clang sanitizer build the hooks only pass calls on (see
  // InterceptorPrecedesHooks): its runtime holds every lock call first.
  if (InterceptorPrecedesHooks(reinterpret_cast<const void*>(&__interceptor_pthread_mutex_lock))) {
    prefix = nullptr;
  }
  if (prefix != nullptr && *prefix != '\0' && std::strlen(prefix) < sizeof record_prefix) {
    std::strcpy(record_prefix, prefix);
    fd = CreateRecordFile(record_prefix, path);
  }
  if (fd < 0) {
    mode.store(kOff, std::memory_order_release);
    return false;
  }
  FindAllocatorCode();
  writer = new (writer_storage) RecordFileWriter(fd, path);
  const char* abort_switch = std::getenv(kAbortVariable);
  abort_on_inversion = abort_switch != nullptr && std::strcmp(abort_switch, "1") == 0;
  checker = new (checker_storage) LockOrderChecker(writer, ExclusiveHolder, abort_on_inversion);
  checker_pid.store(::getpid(), std::memory_order_relaxed);
  InstallWaitDumpHandler(CurrentRecordFd, ExclusiveHolder, SharedHolders,
                         [] { return checker->NewLockId(); },
                         [] { return FlushKeptRecords(/*write_through=*/false); });
  ::pthread_atfork(BeforeFork, AfterForkInParent, AfterForkInChild);
  WatchFrees();
  mode.store(kOn, std::memory_order_release);
  return true;
}

__attribute__((always_inline)) inline bool Active() {
  const int current = mode.load(std::memory_order_acquire);
  if (__builtin_expect(current == kOn, 1)) return this_thread.pass_through == 0;
  if (current == kOff) return false;
  if ((this_thread.pass_through & HookThread::kInHook) != 0) return false;
  if (!loaded.load(std::memory_order_acquire)) return false;
  bool on = false;
  {
    HookScope scope;
    on = Initialize();
  }
  return on && (this_thread.pass_through & HookThread::kExited) == 0;
}

// Initialises at load time, while the process has one thread, rather than
// in whichever thread locks first: what the checker creates (its record
// file descriptor, for ThreadSanitizer's fd model) then happens before every
// thread that uses it. Locks taken before it (by other libraries'
// constructors, or by an allocator initialising itself) pass unchecked.
__attribute__((constructor)) void InitializeAtLoad() {
  loaded.store(true, std::memory_order_release);
  (void)Active();
}

// exit(): what the checker kept back is written, and from now on nothing
// is kept back (threads may still take locks while the process ends).
__attribute__((destructor)) void FlushAtExit() { FlushKeptRecords(/*write_through=*/true); }

__attribute__((noinline)) ThreadLockState& NewState() {
  {
    HookScope scope;
    auto* state = new ThreadLockState();
    state->held.reserve(16);
    state->os_tid = static_cast<std::int64_t>(::syscall(SYS_gettid));
    // Numbered now, so that the wait dump can name this thread as a holder.
    this_thread.wait_slot = NewWaitSlot(checker->RegisterThread(*state), state->os_tid, state);
    this_thread.wait_slot->pthread_id.store(static_cast<std::uintptr_t>(pthread_self()),
                                            std::memory_order_relaxed);
    this_thread.state = state;
    (void)&thread_state_owner;  // registers the owner's destructor for this thread
    pthread_attr_t attributes;
    if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
      void* base = nullptr;
      size_t size = 0;
      if (pthread_attr_getstack(&attributes, &base, &size) == 0) {
        this_thread.stack_low = reinterpret_cast<std::uintptr_t>(base);
        this_thread.stack_high = this_thread.stack_low + size;
      }
      pthread_attr_destroy(&attributes);
    }
  }
  return *this_thread.state;
}

__attribute__((always_inline)) inline ThreadLockState& State() {
  if (__builtin_expect(this_thread.state != nullptr, 1)) return *this_thread.state;
  return NewState();
}

// Return addresses of the hook's callers, by walking frame pointers inside
// this thread's stack; stops early where frames lack them (a saved frame
// pointer that does not lead further up the stack). Always inlined, so the
// walk starts in the hook's own frame. Unrolled, with only the checks that
// keep every read inside the stack: the walk runs on every acquisition.
__attribute__((always_inline)) inline void CaptureSiteFrom(const std::uintptr_t* frame,
                                                           Site& site) {
  const auto* const top = reinterpret_cast<const std::uintptr_t*>(this_thread.stack_high) - 2;
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
}

// The site of the hook this is inlined into: its caller's return address first.
__attribute__((always_inline)) inline void CaptureSiteInto(Site& site) {
  CaptureSiteFrom(static_cast<const std::uintptr_t*>(__builtin_frame_address(0)), site);
}

__attribute__((always_inline)) inline Site CaptureSite() {
  Site site;
  CaptureSiteInto(site);
  return site;
}

// fork() without exec. The forking thread's hooks pass through from the
// first fork handler to the last: other libraries' handlers take and drop
// locks around fork, and in the child the checker's state may be a copy
// taken while another thread was inside it (its spinlock held for ever).
void BeforeFork() {
  this_thread.pass_through |= HookThread::kInHook;
  FlushKeptRecords(/*write_through=*/false);  // the parent's lines before the child's start
}
void AfterForkInParent() { this_thread.pass_through &= ~HookThread::kInHook; }

// The child's locks are its own: a new checker and a record file of the
// child's own, so nothing the parent learned (or was doing) reaches it.
// Only the locks the forking thread holds come along, as held: the child
// may release them. The parent's checker, writer and thread states are
// abandoned (leaked): the threads that used them do not exist here.
//
// Under AddressSanitizer the child is not checked (an exec in it starts a
// checked image again): gcc 12's ASan runtime does not lock its allocator
// across fork, so a child's first allocation waits for ever when another
// thread of the parent was allocating at the fork, and the checker
// allocates (seen: fork_stress.cc hung 1 child in 200 in 6 of 8 runs).
void AfterForkInChild() {
  if (mode.load(std::memory_order_acquire) != kOn) {
    this_thread.pass_through &= ~HookThread::kInHook;
    return;
  }
  ThreadLockState* const inherited = this_thread.state;
  const int parent_fd = writer->ValidFd();
  if (parent_fd >= 0) ::close(parent_fd);  // the parent's file: never the child's
  if (&__asan_init != nullptr) {
    mode.store(kOff, std::memory_order_release);
    this_thread.pass_through &= ~HookThread::kInHook;
    return;
  }
  std::string path;
  const int fd = CreateRecordFile(record_prefix, path);
  if (fd < 0) {
    mode.store(kOff, std::memory_order_release);
    this_thread.pass_through &= ~HookThread::kInHook;
    return;
  }
  // Everything new is complete before a hook can see it.
  auto* child_writer = new RecordFileWriter(fd, path);
  auto* child_checker = new LockOrderChecker(child_writer, ExclusiveHolder, abort_on_inversion);
  ForgetWaitSlotsAfterFork();
  writer = child_writer;
  checker = child_checker;
  checker_pid.store(::getpid(), std::memory_order_relaxed);
  this_thread.state = nullptr;
  this_thread.wait_slot = nullptr;
  this_thread.pass_through &= ~HookThread::kInHook;
  if (inherited == nullptr) return;
  ThreadLockState& state = NewState();
  HookScope scope;
  for (std::size_t i = 0; i < inherited->held.size(); ++i) {
    const Held& held = inherited->held[i];
    LockInfo* const lock = checker->FindLock(state, held.address, held.kind, held.site);
    for (int depth = 0; depth < held.recursion; ++depth) {
      if (Site* slot = checker->PushHeld(state, lock, held.address, held.kind, held.shared,
                                         held.blocking)) {
        *slot = held.site;
      }
    }
  }
}

LockKind MutexKind(const pthread_mutex_t* mutex) {
  // glibc keeps the type in the low bits of __kind (PTHREAD_MUTEX_KIND_MASK_NP).
  return (mutex->__data.__kind & 3) == PTHREAD_MUTEX_RECURSIVE_NP ? LockKind::kRecursiveMutex
                                                                    : LockKind::kMutex;
}

std::uintptr_t Address(const void* lock) { return reinterpret_cast<std::uintptr_t>(lock); }

// --- Wait-for cycles, found the moment they close ------------------------
//
// A thread about to block on a lock another thread holds, or failing a try
// on one again, follows the holders' published waits (FindWaitCycle). A
// deadlock found that way is proved (every thread of it waits for a lock
// the next one holds and can never release); a livelock is threads that
// have kept retrying for kLivelockAfterNs while holding what the next one
// retries for. The first cycle is recorded, with its sites, and the run is
// asked to stop (the stop file): the watchdog ends it at once instead of
// waiting for its timeout. Later cycles in this process are left alone.

std::atomic<bool> cycle_reported{false};

// Tells the watchdog the run can end: the file "<record prefix>-stop".
void RequestStop() {
  if (record_prefix[0] == '\0') return;
  char path[sizeof record_prefix + 8];
  ::snprintf(path, sizeof path, "%s-stop", record_prefix);
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
}

// Where `thread` took `lock`: its held entry for it, searched from the
// oldest (`oldest_first`) or the newest. Null when it is not there.
const Site* HeldSite(const ThreadLockState* thread, const LockInfo* lock, bool oldest_first) {
  if (thread == nullptr) return nullptr;
  const HeldList& held = thread->held;
  for (std::size_t i = 0; i < held.size(); ++i) {
    const Held& entry = held[oldest_first ? i : held.size() - 1 - i];
    if (entry.address == lock->address) return &entry.site;
  }
  return nullptr;
}

// Records the cycle `links` found (links[0] is this thread) and asks the
// run to stop. For a deadlock every thread of it is stuck for ever, so
// their held lists can be read; for a livelock only this thread's (the
// others' may be growing), and every thread's wait site.
void ReportCycle(ThreadLockState& state, const WaitLink* links, int count, bool livelock) {
  bool expected = false;
  if (!cycle_reported.compare_exchange_strong(expected, true)) return;
  WaitCycleStep steps[16];
  for (int i = 0; i < count; ++i) {
    const WaitSlot* slot = links[i].slot;
    const WaitSlot* next = links[(i + 1) % count].slot;
    const bool mine = slot == this_thread.wait_slot;
    const bool next_mine = next == this_thread.wait_slot;
    WaitCycleStep& step = steps[i];
    step.thread = slot->thread.load(std::memory_order_relaxed);
    step.lock = links[i].lock;
    step.how = links[i].how;
    if (links[i].how == WaitHow::kLock) {
      // The held list already holds the lock a blocked call waits for: its
      // newest entry for it.
      if (mine || !livelock) {
        step.waiting_site = HeldSite(mine ? &state : slot->state.load(std::memory_order_acquire),
                                     links[i].lock, /*oldest_first=*/false);
      }
    } else {
      // Written before the wait was published, and the wait is unchanged.
      step.waiting_site = &slot->wait_site;
    }
    if (links[i].how != WaitHow::kJoin && (next_mine || !livelock)) {
      const ThreadLockState* holder =
          next_mine ? &state : next->state.load(std::memory_order_acquire);
      // A thread waiting for a lock it holds: the hold is the older entry.
      step.held_site = HeldSite(holder, links[i].lock, /*oldest_first=*/true);
    }
  }
  checker->ReportWaitCycle(state, livelock, steps, count);
  RequestStop();
}

// The calling thread published a blocking wait on `lock`, held by the
// thread with OS id `owner`, or (owner 0) a write lock on a rwlock readers
// hold.
__attribute__((noinline)) void OnContended(ThreadLockState& state, LockInfo* lock, LockKind kind,
                                           std::int64_t owner) {
  if (cycle_reported.load(std::memory_order_relaxed)) return;
  WaitLink links[16];
  if (owner == 0) {
    // Readers hold it: glibc does not say which. This thread among them
    // waits for itself for ever (a read lock "upgraded" in place).
    for (const Held& held : state.held) {
      if (held.address == lock->address && held.shared) {
        HookScope scope;
        links[0] = WaitLink{this_thread.wait_slot, lock, WaitHow::kLock};
        ReportCycle(state, links, 1, /*livelock=*/false);
        return;
      }
    }
    return;
  }
  // Its own lock: a recursive relock goes through, a rwlock refuses it.
  if (owner == state.os_tid && kind != LockKind::kMutex) return;
  // Whichever of two threads closing a cycle publishes last sees the
  // other's wait: each publishes again with a sequentially consistent
  // exchange, then reads the other's slot with sequentially consistent
  // loads (a fence would do, but ThreadSanitizer does not support them).
  WaitSlot* const slot = this_thread.wait_slot;
  slot->waiting_on.exchange(slot->waiting_on.load(std::memory_order_relaxed),
                            std::memory_order_seq_cst);
  HookScope scope;
  const int count =
      FindWaitCycle(this_thread.wait_slot, ExclusiveHolder, /*retrying=*/false, 0, links, 16);
  if (count > 0) ReportCycle(state, links, count, /*livelock=*/false);
}

std::int64_t MonotonicNs() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

// A try or timed acquisition of `lock` failed: the thread retries it.
__attribute__((noinline)) void OnFailedTry(ThreadLockState& state, const void* lock, LockKind kind,
                                           const Site& site) {
  HookScope scope;
  LockInfo* const info = checker->FindLock(state, Address(lock), kind, site);
  WaitSlot* const slot = this_thread.wait_slot;
  const std::uintptr_t retrying = reinterpret_cast<std::uintptr_t>(info) | WaitSlot::kRetrying;
  const std::int64_t now = MonotonicNs();
  if (slot->waiting_on.load(std::memory_order_relaxed) != retrying) {  // a new streak
    slot->wait_site = site;
    slot->failed_tries.store(1, std::memory_order_relaxed);
    slot->retrying_since_ns.store(now, std::memory_order_relaxed);
    slot->waiting_on.store(retrying, std::memory_order_release);
    return;
  }
  const std::uint32_t tries = slot->failed_tries.load(std::memory_order_relaxed) + 1;
  slot->failed_tries.store(tries, std::memory_order_relaxed);
  if (tries < kLivelockAfterTries ||
      now - slot->retrying_since_ns.load(std::memory_order_relaxed) < kLivelockAfterNs ||
      cycle_reported.load(std::memory_order_relaxed)) {
    return;
  }
  slot->waiting_on.exchange(retrying, std::memory_order_seq_cst);  // see OnContended
  WaitLink links[16];
  const int count = FindWaitCycle(slot, ExclusiveHolder, /*retrying=*/true, now, links, 16);
  if (count > 1) ReportCycle(state, links, count, /*livelock=*/true);
}

// Whether relocking `lock` while holding it fails with EDEADLK rather than
// blocking for ever: an error-checking mutex, or glibc's rwlock write lock.
bool RefusesRelock(const void* lock, LockKind kind) {
  if (kind == LockKind::kRwLock) return true;
  return kind == LockKind::kMutex &&
         (static_cast<const pthread_mutex_t*>(lock)->__data.__kind & 3) == PTHREAD_MUTEX_ERRORCHECK_NP;
}

template <typename Fn>
Fn Next(Fn interceptor, const char* name) {
  if (interceptor != nullptr && !InterceptorPrecedesHooks(reinterpret_cast<const void*>(interceptor))) {
    return interceptor;
  }
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

// Hook bodies shared by every lock type. Inlined into each hook, so that the
// site walk starts in the hook's own frame.
//
// A blocking acquisition does its bookkeeping before the lock call; once
// the lock is held, only this thread's own wait slot is cleared, so the
// checker adds nothing to the critical section the call opens (two threads
// contending for a lock would otherwise wait on each other's bookkeeping).
// A failed call takes the hold back.
template <typename Call>
__attribute__((always_inline)) inline int Blocking(const void* lock, LockKind kind, bool shared,
                                                  Call call) {
  if (!Active()) return call();
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
        checker->ReportFailedRelock(state, Address(lock), kind, site);
      }
      return result;
    }
    HookScope scope;
    Site site;
    CaptureSiteInto(site);
    info = checker->BeforeBlockingAcquire(state, Address(lock), kind, shared, site);
    if (Site* slot = checker->PushHeld(state, info, Address(lock), kind, shared, /*blocking=*/true)) {
      *slot = site;
    }
  }
  WaitSlot* const slot = this_thread.wait_slot;
  if (info != nullptr) {
    slot->Publish(info, /*condition=*/false);
  } else {
    slot->PublishAlone(Address(lock), kind);  // unresolved: the thread holds nothing else
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

template <typename Call>
__attribute__((always_inline)) inline int NonBlocking(const void* lock, LockKind kind, bool shared,
                                                     Call call) {
  const int result = call();
  if (!Active() || CalledByAllocator(__builtin_return_address(0))) return result;
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

// An unlock that is not of the lock the thread took last: out of line, so
// that the common unlock keeps a small frame. `hook_frame` and
// `return_address` are the hook's (the site walk starts there).
__attribute__((noinline, cold)) void ReleaseOutOfOrder(const void* lock, LockKind kind,
                                                       const std::uintptr_t* hook_frame,
                                                       const void* return_address) {
  ThreadLockState& state = State();
  bool held = false;
  {
    InvisibleToTsan invisible;
    held = checker->ReleaseIfHeld(state, Address(lock));
  }
  if (!held && !CalledByAllocator(return_address)) {
    HookScope scope;
    Site site;
    CaptureSiteFrom(hook_frame, site);
    checker->ReportUnheldRelease(state, Address(lock), kind, site);
  }
}

// `kind_of` says what kind of lock it is, asked only off the common path.
template <typename KindOf, typename Call>
__attribute__((always_inline)) inline int Release(const void* lock, KindOf kind_of, Call call) {
  if (Active()) {
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

template <typename Call>
__attribute__((always_inline)) inline int Forgetting(const void* lock, Call call) {
  if (Active() && !CalledByAllocator(__builtin_return_address(0))) {
    HookScope scope;
    checker->Forget(Address(lock));
  }
  return call();
}

// A heap block is being freed: the locks in it are gone, so a lock later
// built at one of their addresses is a new lock (std::mutex has no destroy
// call to say so). Lock-free unless the block may hold a known lock.
// `Guard` is HookScope, or ReentryGuard from uninstrumented free().
template <typename Guard>
inline void ForgetLocksIn(const void* block, size_t (*block_size)(const void*)) {
  if (block == nullptr || mode.load(std::memory_order_acquire) != kOn ||
      (this_thread.pass_through & HookThread::kInHook) != 0 || !checker->KnowsAnyLock()) {
    return;
  }
  const std::uintptr_t begin = Address(block);
  const std::uintptr_t end = begin + block_size(block);
  if (!checker->MayHoldLocks(begin, end)) return;
  Guard guard;
  checker->ForgetRange(begin, end);
}

#ifdef RACELAB_SANITIZER_ALLOCATOR
// The sanitizer owns malloc and free: it calls these around every user
// allocation (operator new and delete included).
void OnSanitizerMalloc(const volatile void*, size_t) {}
void OnSanitizerFree(const volatile void* block) {
  ForgetLocksIn<HookScope>(const_cast<const void*>(block), [](const void* b) {
    return __sanitizer_get_allocated_size(b);
  });
}
#endif

// Called once, when a checker starts.
void WatchFrees() {
#ifdef RACELAB_SANITIZER_ALLOCATOR
  if (__sanitizer_install_malloc_and_free_hooks != nullptr) {
    __sanitizer_install_malloc_and_free_hooks(OnSanitizerMalloc, OnSanitizerFree);
  }
#endif
}

template <typename Call>
__attribute__((always_inline)) inline int ConditionWait(pthread_mutex_t* mutex, Call call) {
  if (!Active() || CalledByAllocator(__builtin_return_address(0))) return call();
  ThreadLockState& state = State();
  const Site site = CaptureSite();
  bool held = false;
  {
    HookScope scope;
    held = checker->ReleaseForWait(state, Address(mutex), site);
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
  const int result = call();  // glibc retakes the mutex inside, out of our sight
  this_thread.wait_slot->Clear();
  if (held && Active()) {
    HookScope scope;
    LockInfo* info =
        checker->BeforeBlockingAcquire(state, Address(mutex), MutexKind(mutex), false, site);
    checker->AfterAcquire(state, info, Address(mutex), MutexKind(mutex), false, true, site);
  }
  return result;
}

// pthread_join: the joining thread waits for the joined one, which may
// itself wait for a lock the joiner holds (a cycle no lock alone shows).
// Only a joined thread known to the hooks can be waiting in one of them
// (its slot is looked up when a cycle is searched, so it may come later).
template <typename Call>
__attribute__((always_inline)) inline int Joining(pthread_t thread, Call call) {
  // A joiner that never took a lock holds none that the joined thread could
  // wait for (and is not numbered just for joining).
  if (!Active() || this_thread.state == nullptr || this_thread.state->held.empty() ||
      CalledByAllocator(__builtin_return_address(0))) {
    return call();
  }
  ThreadLockState& state = *this_thread.state;
  WaitSlot* const slot = this_thread.wait_slot;
  CaptureSiteInto(slot->wait_site);
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

}  // namespace

bool FlushKeptRecords(bool write_through) {
  if (mode.load(std::memory_order_acquire) != kOn || checker == nullptr) return true;
  if (::getpid() != checker_pid.load(std::memory_order_relaxed)) return true;  // not ours to write
  return checker->TryFlushRecords(write_through);
}

void SetLockOrderChecking(bool on) {
  HookScope scope;
  loaded.store(true, std::memory_order_release);
  const bool active = Initialize();
  if (on && !active && checker == nullptr) {
    const int fd = ::open("/dev/null", O_WRONLY | O_APPEND | O_CLOEXEC);
    writer = new (writer_storage) RecordFileWriter(fd);
    checker = new (checker_storage) LockOrderChecker(writer, ExclusiveHolder);
    checker_pid.store(::getpid(), std::memory_order_relaxed);
    WatchFrees();
  }
  mode.store(on ? kOn : kOff, std::memory_order_release);
}

}  // namespace racelab::lockorder

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

using racelab::lockorder::Blocking;
using racelab::lockorder::ConditionWait;
using racelab::lockorder::Forgetting;
using racelab::lockorder::Joining;
using racelab::lockorder::LockKind;
using racelab::lockorder::MutexKind;
using racelab::lockorder::Next;
using racelab::lockorder::NonBlocking;
using racelab::lockorder::Release;

// Declares TSan's interceptor for NAME (weak: absent outside TSan builds) and
// a pointer to whatever comes next, resolved on first use. Not a
// function-local static: TSan models its guard as acquire/release, so the
// first thread through each hook would have ordered every later one after
// itself and hidden their races. A relaxed atomic orders nothing; two
// threads resolving at once store the same pointer.
#define RACELAB_NEXT(ret, name, params)                                        \
  extern "C" ret __interceptor_##name params __attribute__((weak));            \
  static std::atomic<ret(*) params> next_##name{nullptr};                      \
  static ret(*NextOf_##name()) params {                                        \
    auto* next = next_##name.load(std::memory_order_relaxed);                  \
    if (__builtin_expect(next == nullptr, 0)) {                                \
      next = Next(&__interceptor_##name, #name);                               \
      next_##name.store(next, std::memory_order_relaxed);                      \
    }                                                                          \
    return next;                                                               \
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
RACELAB_NEXT(int, pthread_rwlock_clockrdlock, (pthread_rwlock_t*, clockid_t, const struct timespec*))
RACELAB_NEXT(int, pthread_rwlock_clockwrlock, (pthread_rwlock_t*, clockid_t, const struct timespec*))
RACELAB_NEXT(int, pthread_rwlock_unlock, (pthread_rwlock_t*))
RACELAB_NEXT(int, pthread_rwlock_init, (pthread_rwlock_t*, const pthread_rwlockattr_t*))
RACELAB_NEXT(int, pthread_rwlock_destroy, (pthread_rwlock_t*))
RACELAB_NEXT(int, pthread_join, (pthread_t, void**))
RACELAB_NEXT(int, pthread_cond_wait, (pthread_cond_t*, pthread_mutex_t*))
RACELAB_NEXT(int, pthread_cond_timedwait, (pthread_cond_t*, pthread_mutex_t*, const struct timespec*))
RACELAB_NEXT(int, pthread_cond_clockwait,
             (pthread_cond_t*, pthread_mutex_t*, clockid_t, const struct timespec*))

extern "C" {

int pthread_mutex_lock(pthread_mutex_t* m) {
  return Blocking(m, MutexKind(m), false, [&] { return NextOf_pthread_mutex_lock()(m); });
}
int pthread_mutex_trylock(pthread_mutex_t* m) {
  return NonBlocking(m, MutexKind(m), false, [&] { return NextOf_pthread_mutex_trylock()(m); });
}
int pthread_mutex_timedlock(pthread_mutex_t* m, const struct timespec* t) {
  return NonBlocking(m, MutexKind(m), false, [&] { return NextOf_pthread_mutex_timedlock()(m, t); });
}
int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t c, const struct timespec* t) {
  return NonBlocking(m, MutexKind(m), false,
                     [&] { return NextOf_pthread_mutex_clocklock()(m, c, t); });
}
int pthread_mutex_unlock(pthread_mutex_t* m) {
  return Release(m, [m] { return MutexKind(m); }, [m] { return NextOf_pthread_mutex_unlock()(m); });
}
int pthread_mutex_init(pthread_mutex_t* m, const pthread_mutexattr_t* a) {
  return Forgetting(m, [&] { return NextOf_pthread_mutex_init()(m, a); });
}
int pthread_mutex_destroy(pthread_mutex_t* m) {
  return Forgetting(m, [&] { return NextOf_pthread_mutex_destroy()(m); });
}

int pthread_rwlock_rdlock(pthread_rwlock_t* l) {
  return Blocking(l, LockKind::kRwLock, true, [&] { return NextOf_pthread_rwlock_rdlock()(l); });
}
int pthread_rwlock_wrlock(pthread_rwlock_t* l) {
  return Blocking(l, LockKind::kRwLock, false, [&] { return NextOf_pthread_rwlock_wrlock()(l); });
}
int pthread_rwlock_tryrdlock(pthread_rwlock_t* l) {
  return NonBlocking(l, LockKind::kRwLock, true, [&] { return NextOf_pthread_rwlock_tryrdlock()(l); });
}
int pthread_rwlock_trywrlock(pthread_rwlock_t* l) {
  return NonBlocking(l, LockKind::kRwLock, false, [&] { return NextOf_pthread_rwlock_trywrlock()(l); });
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
  return Release(l, [] { return LockKind::kRwLock; }, [l] { return NextOf_pthread_rwlock_unlock()(l); });
}
int pthread_rwlock_init(pthread_rwlock_t* l, const pthread_rwlockattr_t* a) {
  return Forgetting(l, [&] { return NextOf_pthread_rwlock_init()(l, a); });
}
int pthread_rwlock_destroy(pthread_rwlock_t* l) {
  return Forgetting(l, [&] { return NextOf_pthread_rwlock_destroy()(l); });
}

int pthread_join(pthread_t t, void** r) {
  return Joining(t, [&] { return NextOf_pthread_join()(t, r); });
}

int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  return ConditionWait(m, [&] { return NextOf_pthread_cond_wait()(c, m); });
}
int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const struct timespec* t) {
  return ConditionWait(m, [&] { return NextOf_pthread_cond_timedwait()(c, m, t); });
}
int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t k,
                           const struct timespec* t) {
  return ConditionWait(m, [&] { return NextOf_pthread_cond_clockwait()(c, m, k, t); });
}

}  // extern "C"
