// The lock hooks' slow paths (see hook_bodies.h): wait-for cycles found
// the moment they close, failed tries that may be a livelock, and unlocks
// of a lock other than the one taken last.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <unwind.h>

#include <ctime>

#include "harness/lockorder/hook_bodies.h"
#include "harness/lockorder/unwind_plans.h"

#pragma GCC visibility push(hidden)

namespace racelab::lockorder {

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

// Where `thread` took the lock at `address`: its held entry for it,
// searched from the oldest (`oldest_first`) or the newest. Null when it is
// not there.
const Site* HeldSite(const ThreadLockState* thread, std::uintptr_t address, bool oldest_first) {
  if (thread == nullptr) return nullptr;
  const HeldList& held = thread->held;
  for (std::size_t i = 0; i < held.size(); ++i) {
    const Held& entry = held[oldest_first ? i : held.size() - 1 - i];
    if (entry.address == address) return &entry.site;
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
                                     links[i].address, /*oldest_first=*/false);
      }
      // Waited for alone (only a thread joining it reaches such a thread,
      // and it waits for ever): the lock is known from now on.
      if (step.lock == nullptr) {
        step.lock = checker->FindLock(state, links[i].address, links[i].kind,
                                      step.waiting_site != nullptr ? *step.waiting_site : Site{});
      }
    } else {
      // Written before the wait was published, and the wait is unchanged.
      step.waiting_site = &slot->wait_site;
    }
    if (links[i].how != WaitHow::kJoin && (next_mine || !livelock)) {
      const ThreadLockState* holder =
          next_mine ? &state : next->state.load(std::memory_order_acquire);
      // A thread waiting for a lock it holds: the hold is the older entry.
      step.held_site = HeldSite(holder, links[i].address, /*oldest_first=*/true);
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
        links[0] = WaitLink{this_thread.wait_slot, lock, WaitHow::kLock, lock->address, lock->kind};
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
    CompleteSiteByUnwinding(site);
    checker->ReportUnheldRelease(state, Address(lock), kind, site);
  }
}

namespace {

struct UnwoundSite {
  std::uintptr_t first = 0;  // the frame walk's first frame: where to start
  bool found = false;
  Site site;
  // Each collected frame's context's canonical frame address, its
  // callee's (see FirstFrames): the frame's return address, pcs[i], lies
  // in the word below it.
  std::uintptr_t cfa[kMaxSiteFrames] = {};
};

_Unwind_Reason_Code CollectFrame(_Unwind_Context* context, void* arg) {
  auto* unwound = static_cast<UnwoundSite*>(arg);
  const auto ip = static_cast<std::uintptr_t>(_Unwind_GetIP(context));
  if (!unwound->found) {
    if (ip != unwound->first) return _URC_NO_REASON;  // racelab's own frames
    unwound->found = true;
  }
  unwound->cfa[unwound->site.depth] = static_cast<std::uintptr_t>(_Unwind_GetCFA(context));
  unwound->site.pcs[unwound->site.depth++] = ip;
  return unwound->site.depth == kMaxSiteFrames ? _URC_END_OF_STACK : _URC_NO_REASON;
}

// Sites the unwinder completed, by what the frame walk saw (unwind_plans.h).
constinit UnwindPlans unwind_plans;

}  // namespace

// The frame whose return address is `first` (the function the hook
// returns into), as the unwinder finds it: its caller's return address and
// its canonical frame address. A context's CFA is the stack pointer its
// callee returns with, so the frame's own CFA is the next context's.
struct FirstFrames {
  std::uintptr_t first = 0;
  bool found = false;
  std::uintptr_t cfa = 0;     // of the frame `first` returns into
  std::uintptr_t caller = 0;  // its caller's return address; 0 unknown
};

_Unwind_Reason_Code FindFirstFrames(_Unwind_Context* context, void* arg) {
  auto* frames = static_cast<FirstFrames*>(arg);
  const auto ip = static_cast<std::uintptr_t>(_Unwind_GetIP(context));
  if (!frames->found) {
    frames->found = ip == frames->first;
    return _URC_NO_REASON;
  }
  frames->caller = ip;
  frames->cfa = static_cast<std::uintptr_t>(_Unwind_GetCFA(context));
  return _URC_END_OF_STACK;
}

void LearnFirstFrame(const std::uintptr_t* frame, Site& site) {
  ReentryGuard no_hooks;  // the unwinder's own calls pass straight through
  FirstFrames frames;
  frames.first = site.pcs[0];
  _Unwind_Backtrace(FindFirstFrames, &frames);
  const auto hook_cfa = reinterpret_cast<std::uintptr_t>(frame + 2);
  std::uint64_t learned = 0;  // keeps a frame pointer, or nothing better is known
  if (frames.found && frames.caller != 0 && frames.cfa > hook_cfa &&
      (site.depth < 2 || site.pcs[1] != frames.caller)) {
    const std::uint64_t offset_words = (frames.cfa - hook_cfa) / sizeof(std::uintptr_t);
    const std::uintptr_t* slot = frame + 1 + offset_words;
    if (offset_words < 0xfffe && reinterpret_cast<std::uintptr_t>(slot) < this_thread.stack_high &&
        *slot == frames.caller) {
      learned = offset_words + 1;
      FixFramelessCaller(frame, offset_words, site);
    }
  }
  first_frames[(site.pcs[0] >> 2) % kFirstFrameSlots].store(
      (static_cast<std::uint64_t>(site.pcs[0]) << 16) | learned, std::memory_order_relaxed);
}

void CompleteSiteByUnwinding(Site& site) {
  if (site.depth == 0) return;
  UnwoundSite unwound;
  unwound.first = site.pcs[0];
  _Unwind_Backtrace(CollectFrame, &unwound);
  if (unwound.found && unwound.site.depth >= 2) site = unwound.site;
}

void CompleteHookSite(const std::uintptr_t* hook_frame, Site& site) {
  if (site.depth == 0) return;
  const std::uintptr_t* const anchor = hook_frame + 1;  // holds site.pcs[0]
  if (unwind_plans.Apply(anchor, this_thread.stack_high, site)) return;
  UnwoundSite unwound;
  unwound.first = site.pcs[0];
  _Unwind_Backtrace(CollectFrame, &unwound);
  if (!unwound.found || unwound.site.depth < 2) return;
  const std::uintptr_t* slots[kMaxSiteFrames];
  for (int i = 0; i < unwound.site.depth; ++i) {
    slots[i] = reinterpret_cast<const std::uintptr_t*>(unwound.cfa[i]) - 1;
  }
  unwind_plans.Learn(site, unwound.site, anchor, slots, this_thread.stack_high);
  site = unwound.site;
}

void ReportMisuseFromHook(const void* object, LockKind kind, MisuseKind misuse,
                          const MisuseFacts& facts, const std::uintptr_t* hook_frame) {
  ThreadLockState& state = State();
  HookScope scope;
  Site site;
  CaptureSiteFrom(hook_frame, site);
  CompleteSiteByUnwinding(site);
  checker->ReportLockMisuse(state, Address(object), kind, site, misuse, facts);
}

void RunOnceRoutine() {
  const void* const control = this_thread.once_control;
  void (*const routine)() = this_thread.once_routine;
  // Undone by destructors: the routine may throw (std::call_once rethrows).
  struct Holding {
    explicit Holding(const void* control) : control(control) {
      if (this_thread.state != nullptr) {
        hidden_lock_holders.Set(Address(control), this_thread.state->os_tid);
      }
      this_thread.pass_through = 0;  // the routine's lock calls are checked
    }
    ~Holding() {
      this_thread.pass_through = HookThread::kInHook;  // back in the once call
      hidden_lock_holders.Clear(Address(control));
    }
    const void* control;
  } holding(control);
  routine();
}

}  // namespace racelab::lockorder

#pragma GCC visibility pop
