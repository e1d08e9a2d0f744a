// Starting and stopping the lock hooks' checker, and what it needs of the
// process around it: each thread's state (made on its first checked call,
// freed when it exits), fork (the child's own checker and file), free
// (locks in a freed block are gone), and the flush points (see
// hook_state.h).
#include "harness/lockorder/hook_state.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "harness/lockorder/arena.h"
#include "harness/lockorder/hooks.h"
#include "harness/lockorder/protocol.h"
#include "harness/lockorder/schedule_hooks.h"

namespace racelab::lockorder {

std::atomic<int> mode{kUnknown};
LockOrderChecker* checker = nullptr;
std::atomic<pid_t> checker_pid{0};
RecordFileWriter* writer = nullptr;
char record_prefix[4096];
bool abort_on_inversion = false;
std::atomic<bool> loaded{false};
constinit HiddenLockHolders hidden_lock_holders;
constinit ConditionWaiters condition_waiters;
constinit ConditionWaiters barrier_waiters;
constinit ThreadClaims thread_claims;
constinit std::atomic<std::uint64_t> first_frames[kFirstFrameSlots] = {};
constinit __attribute__((tls_model("initial-exec"))) thread_local HookThread this_thread;

#pragma GCC visibility push(hidden)

namespace {

// The checker and its writer live here, never freed (threads may take
// locks while the process ends).
alignas(RecordFileWriter) unsigned char writer_storage[sizeof(RecordFileWriter)];
alignas(LockOrderChecker) unsigned char checker_storage[sizeof(LockOrderChecker)];

// A thread other than the main one ends holding locks: each lock it still
// holds (by the lock's own state) is misuse, reported with where it was
// taken. The main thread ending ends the process, which releases them all.
void ReportLocksHeldAtExit(ThreadLockState& state) {
  if (checker == nullptr || state.os_tid == ::getpid()) return;
  for (std::size_t i = 0; i < state.held.size(); ++i) {
    const Held held = state.held[i];
    if (held.shared || IsHiddenLock(held.kind) ||
        ExclusiveHolder(held.address, held.kind) != state.os_tid) {
      continue;
    }
    checker->ReportLockMisuse(state, held.address, held.kind, held.site, MisuseKind::kExitHolding,
                              MisuseFacts{.holder = state.os_tid});
  }
}

// Frees the thread's state when the thread exits.
struct ThreadStateOwner {
  ~ThreadStateOwner() {
    HookScope scope;
    if (this_thread.state != nullptr && (this_thread.pass_through & HookThread::kExited) == 0 &&
        CheckerMode() == kOn) {
      ReportLocksHeldAtExit(*this_thread.state);
    }
    if (this_thread.wait_slot != nullptr) this_thread.wait_slot->Clear();
    ArenaDelete(this_thread.state);
    this_thread.state = nullptr;
    this_thread.pass_through |= HookThread::kExited;
  }
};
thread_local ThreadStateOwner thread_state_owner;

// The wait-for dump's descriptor, for its signal handler.
void AppendToRecordFile(const char* line, std::size_t size) {
  RecordFileWriter* const current = writer;
  if (current != nullptr) current->AppendFromSignalHandler(line, size);
}

void BeforeFork();
void AfterForkInParent();
void AfterForkInChild();

void InitializeAtLoad();

}  // namespace

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

void SetCheckerMode(int checker_mode) {
  // Each change is made by one thread (the one that starts the checker,
  // a forked child's only thread), after the flag was set at load.
  const int flag = mode.load(std::memory_order_relaxed) & kPerturbedFlag;
  mode.store(checker_mode | flag, std::memory_order_release);
}

bool ActiveOtherwise(int checker_mode) {
  if (checker_mode == kOn) return this_thread.pass_through == 0;
  if (checker_mode == kOff) return false;
  if ((this_thread.pass_through & HookThread::kInHook) != 0) return false;
  if (!loaded.load(std::memory_order_acquire)) return false;
  bool on = false;
  {
    HookScope scope;
    on = Initialize();
  }
  return on && (this_thread.pass_through & HookThread::kExited) == 0;
}

bool Initialize() {
  const int flag = mode.load(std::memory_order_relaxed) & kPerturbedFlag;  // set before any hook
  int expected = kUnknown | flag;
  if (!mode.compare_exchange_strong(expected, kInitializing | flag, std::memory_order_acq_rel)) {
    while ((expected = CheckerMode()) == kInitializing) sched_yield();
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
    SetCheckerMode(kOff);
    return false;
  }
  FindAllocatorCode();
  writer = new (writer_storage) RecordFileWriter(fd, path);
  const char* abort_switch = std::getenv(kAbortVariable);
  abort_on_inversion = abort_switch != nullptr && std::strcmp(abort_switch, "1") == 0;
  checker = new (checker_storage) LockOrderChecker(writer, ExclusiveHolder, abort_on_inversion);
  checker_pid.store(::getpid(), std::memory_order_relaxed);
  InstallWaitDumpHandler(
      AppendToRecordFile, ExclusiveHolder, SharedHolders, [] { return checker->NewLockId(); },
      [] { return FlushKeptRecords(/*write_through=*/false); });
  ::pthread_atfork(BeforeFork, AfterForkInParent, AfterForkInChild);
  WatchFrees();
  SetCheckerMode(kOn);
  return true;
}

namespace {

// Whether the first definition of the hooks' marker in the process is not
// this copy's (see InitializeAtLoad).
bool AnotherCopyComesFirst() {
  const void* first = ::dlsym(RTLD_DEFAULT, "racelab_lockorder_hooks_marker");
  Dl_info theirs{}, ours{};
  return first != nullptr && ::dladdr(first, &theirs) != 0 &&
         ::dladdr(reinterpret_cast<const void*>(&AnotherCopyComesFirst), &ours) != 0 &&
         theirs.dli_fbase != ours.dli_fbase;
}

// Initialises at load time, while the process has one thread, rather than
// in whichever thread locks first: what the checker creates (its record
// file descriptor, for ThreadSanitizer's fd model) then happens before every
// thread that uses it. Locks taken before it (by other libraries'
// constructors, or by an allocator initialising itself) pass unchecked.
//
// A process may hold two copies of the hooks: a program linked with them
// (racelab's own binary, whose catalog children a black-box racelab run
// reaches through an inherited LD_PRELOAD) and the preloaded library. The
// program's come first and check; the later copy only passes calls on
// (it never starts: its start allocated inside the loader and hung there).
__attribute__((constructor)) void InitializeAtLoad() {
  if (AnotherCopyComesFirst()) {
    SetCheckerMode(kOff);
    return;
  }
  InitializePerturbation();
  loaded.store(true, std::memory_order_release);
  (void)Active();
}

// exit(): the record file is cut to its records, and from now on never
// grown ahead (threads may still take locks while the process ends).
__attribute__((destructor)) void FlushAtExit() { FlushKeptRecords(/*write_through=*/true); }

}  // namespace

__attribute__((noinline)) ThreadLockState& NewState() {
  {
    HookScope scope;
    auto* state = ArenaNew<ThreadLockState>();
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

namespace {

// fork() without exec. The forking thread's hooks pass through from the
// first fork handler to the last: other libraries' handlers take and drop
// locks around fork, and in the child the checker's state may be a copy
// taken while another thread was inside it (its spinlock held for ever).
// The checker's arena is held across the fork, so that no other thread is
// inside it when the child's copy is taken.
void BeforeFork() {
  this_thread.pass_through |= HookThread::kInHook;
  FlushKeptRecords(/*write_through=*/false);  // the parent's lines before the child's start
  LockArenaForFork();
}
void AfterForkInParent() {
  UnlockArenaAfterFork();
  this_thread.pass_through &= ~HookThread::kInHook;
}

// The child's locks are its own: a new checker and a record file of the
// child's own, so nothing the parent learned (or was doing) reaches it.
// Only the locks the forking thread holds come along, as held: the child
// may release them. The parent's checker, writer and thread states are
// abandoned (leaked): the threads that used them do not exist here.
//
// Under AddressSanitizer and ThreadSanitizer the child is not checked (an
// exec in it starts a checked image again): gcc 12's runtimes do not lock
// their allocator across fork, so a child's first allocation waits for ever
// when another thread of the parent was allocating at the fork, and the
// checker allocates (fork_stress.cc: under ASan 1 child in 200 hung in 6 of
// 8 runs; under TSan in 2 of 8, the child stuck in the TSan allocator's
// region lock inside this handler's operator new).
void AfterForkInChild() {
  UnlockArenaAfterFork();
  if (CheckerMode() != kOn) {
    this_thread.pass_through &= ~HookThread::kInHook;
    return;
  }
  ThreadLockState* const inherited = this_thread.state;
  writer->ForgetInChild();  // the parent's file: never the child's
  if (&__asan_init != nullptr || &__tsan_init != nullptr) {
    SetCheckerMode(kOff);
    this_thread.pass_through &= ~HookThread::kInHook;
    return;
  }
  std::string path;
  const int fd = CreateRecordFile(record_prefix, path);
  if (fd < 0) {
    SetCheckerMode(kOff);
    this_thread.pass_through &= ~HookThread::kInHook;
    return;
  }
  // Everything new is complete before a hook can see it.
  auto* child_writer = new RecordFileWriter(fd, path);
  auto* child_checker =
      ArenaNew<LockOrderChecker>(child_writer, ExclusiveHolder, abort_on_inversion);
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
      if (Site* slot =
              checker->PushHeld(state, lock, held.address, held.kind, held.shared, held.blocking)) {
        *slot = held.site;
      }
    }
  }
}

#ifdef RACELAB_SANITIZER_ALLOCATOR
// The sanitizer owns malloc and free: it calls these around every user
// allocation (operator new and delete included).
void OnSanitizerMalloc(const volatile void*, size_t) {}
void OnSanitizerFree(const volatile void* block) {
  ForgetLocksIn<HookScope>(const_cast<const void*>(block),
                           [](const void* b) { return __sanitizer_get_allocated_size(b); });
}
#endif

}  // namespace

// Called once, when a checker starts.
void WatchFrees() {
#ifdef RACELAB_SANITIZER_ALLOCATOR
  if (__sanitizer_install_malloc_and_free_hooks != nullptr) {
    __sanitizer_install_malloc_and_free_hooks(OnSanitizerMalloc, OnSanitizerFree);
  }
#endif
}

#pragma GCC visibility pop

bool FlushKeptRecords(bool write_through) {
  if (CheckerMode() != kOn || checker == nullptr) return true;
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
  SetCheckerMode(on ? kOn : kOff);
}

}  // namespace racelab::lockorder

// The hooks' marker, exported: dlsym finds the first copy's
// (AnotherCopyComesFirst).
extern "C" __attribute__((visibility("default"), used)) void racelab_lockorder_hooks_marker() {}
