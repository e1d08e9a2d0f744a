// What the lock-order checker records, as data: the records a checker hands
// to its sink as it learns them, and that the record file stores one per
// line (record_file.h). Plain structs; no logic.
#ifndef RACELAB_HARNESS_LOCKORDER_RECORDS_H_
#define RACELAB_HARNESS_LOCKORDER_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace racelab::lockorder {

using LockId = std::uint32_t;
using SiteId = std::uint32_t;  // index into the checker's site table
inline constexpr SiteId kNoSite = ~SiteId{0};
// A set of held locks as the record file names it: an id declared by a
// `held` line (its parent set plus one lock), so that an edge line names
// the locks held with one number, not all of them.
using HeldSetId = std::uint32_t;
inline constexpr HeldSetId kNoHeldSet = ~HeldSetId{0};
// A held list as a version-1 record file spells it on the edge line: an
// index into Recording::held_lists.
using HeldListId = std::uint32_t;
inline constexpr HeldListId kNoHeldList = ~HeldListId{0};

// Who did "hold `from`, request `to`", and where: the first to, or the last
// to take the edge holding fewer locks than before (see Edge::guard).
struct EdgeWitness {
  std::uint32_t thread = 0;         // racelab's thread number (1 = first seen)
  SiteId held_site = kNoSite;       // where `from` was acquired
  SiteId requested_site = kNoSite;  // where `to` was requested
  // Every lock the thread held at that moment: the held set naming them
  // (the checker writes sets, Recording::HeldLocks reads them)...
  HeldSetId held_set = kNoHeldSet;
  // ...or, read from a file that lists them on the edge line, that list.
  // Neither: none. (Small: a recording holds one per pair of locks.)
  HeldListId held_list = kNoHeldList;
};

struct Edge {
  LockId from = 0;
  LockId to = 0;
  EdgeWitness witness;
  // The edge's guard: the locks held at *every* acquisition of it seen so
  // far. Until an acquisition holding fewer comes, that is the witness's
  // held locks (`guard_narrowed` false); after it, the held set `guard`
  // (kNoHeldSet: none), and the witness is that acquisition's. A cycle is
  // guarded only by a lock in every step's guard (gate_locks.h).
  bool guard_narrowed = false;
  HeldSetId guard = kNoHeldSet;
};

inline constexpr int kMaxSiteFrames = 6;

// An acquisition site: the return addresses of the innermost frames above
// the lock call, innermost first, unsymbolised (symbolised when reported).
// Only pcs[0, depth) are meaningful: the constructor leaves the rest
// unwritten, since sites are built on every acquisition and walked straight
// into place.
struct Site {
  Site() {}  // user-provided: value-initialisation does not zero pcs
  std::uintptr_t pcs[kMaxSiteFrames];
  int depth = 0;
};

// What a lock is. kStaticInit and kOnce are hidden locks: the guard of a
// function-local static's initialisation (__cxa_guard_acquire), and a
// pthread_once control (std::call_once's flag), each held by the thread
// running the initialisation while others wait for it. kSpin is a
// pthread_spinlock_t, whose word says only "locked", never by whom. kStream
// is a stdio stream's lock as flockfile takes it (recursive; the stdio
// functions' own locking of the stream does not go through flockfile and
// is not seen, but its holder is read from glibc's lock all the same).
// kCondition, kSemaphore and kBarrier are no locks: a condition variable,
// a semaphore or a barrier that a misuse record names; nor is kThread, a
// thread as pthread_join and pthread_detach name it (its first site is
// where it was created).
enum class LockKind {
  kMutex,
  kRecursiveMutex,
  kRwLock,
  kStaticInit,
  kOnce,
  kSpin,
  kCondition,
  kSemaphore,
  kBarrier,
  kStream,
  kThread
};

// Whether the thread holding the lock may take it again (a recursive mutex,
// a stdio stream's lock).
inline bool IsRecursive(LockKind kind) {
  return kind == LockKind::kRecursiveMutex || kind == LockKind::kStream;
}

// Whether the lock keeps no owner of its own (see HiddenLockHolders).
inline bool IsHiddenLock(LockKind kind) {
  return kind == LockKind::kStaticInit || kind == LockKind::kOnce;
}

// Whether the record of the lock says where its variable lies, so that
// findings can name it: a hidden lock or a condition variable, which have no
// name of their own (a mutex is named by its sites).
inline bool IsNamedByVariable(LockKind kind) {
  return IsHiddenLock(kind) || kind == LockKind::kCondition || kind == LockKind::kSemaphore ||
         kind == LockKind::kBarrier || kind == LockKind::kStream;
}

// Whether the holder query can tell who holds the lock: not for a spin
// lock, so its holds are never judged stale and its unlocks never misuse.
inline bool HolderIsKnown(LockKind kind) {
  return kind == LockKind::kMutex || kind == LockKind::kRecursiveMutex ||
         kind == LockKind::kRwLock || kind == LockKind::kStream || IsHiddenLock(kind);
}

enum class MisuseKind {
  kUnlockNotOwner,  // unlocked by a thread that does not hold it (another thread does)
  kUnlockUnlocked,  // unlocked while no thread holds it
  kWaitNotHeld,     // condition wait with a mutex the thread does not hold
  kRelockFailed,    // relock of an error-checking mutex or rwlock the thread holds (EDEADLK)
  kDestroyLocked,   // a mutex or rwlock destroyed while locked (`owner`: who holds it)
  kUseDestroyed,    // a mutex locked or unlocked after pthread_mutex_destroy
  kExitHolding,     // a thread ended holding the lock (`site`: where it took it)
  kWaitTwoMutexes,  // a condition waited on with a mutex other than its waiters' (`other`)
  kDestroyWaited,   // a condition variable, semaphore or barrier destroyed while a thread blocks on
                    // it
  kPostOverflow,    // a semaphore posted past SEM_VALUE_MAX (EOVERFLOW)
  kReinitWaited,    // a condition variable or barrier initialised again while a thread blocks on it
  // A thread's end claimed twice (the earlier claim's site comes with it):
  kJoinedTwice,    // joined when it was joined already (or another thread joins it)
  kJoinDetached,   // joined when it was detached
  kDetachedTwice,  // detached when it was detached already
  kDetachJoined,   // detached when it was joined (or another thread joins it)
};

// Whether the misuse is a thread's end claimed twice (`lock` is the thread).
inline bool IsThreadMisuse(MisuseKind kind) {
  return kind == MisuseKind::kJoinedTwice || kind == MisuseKind::kJoinDetached ||
         kind == MisuseKind::kDetachedTwice || kind == MisuseKind::kDetachJoined;
}

// What a misuse report may say beyond the lock and the site.
struct MisuseFacts {
  std::int64_t holder = 0;         // the OS thread holding the lock; 0 none or unknown
  std::uintptr_t other_mutex = 0;  // kWaitTwoMutexes: the other waiters' mutex
  const Site* created = nullptr;   // thread misuses: where the thread was created, if known
  const Site* earlier = nullptr;   // thread misuses: where its end was first claimed, if known
};

struct LockRecord {
  LockId id = 0;
  LockKind kind = LockKind::kMutex;
  std::uintptr_t address = 0;
  SiteId first_site = kNoSite;  // where it was first acquired (its class, for hints)
};

struct InversionRecord {
  std::uint32_t thread = 0;        // the thread whose request closed the cycle
  std::vector<LockId> cycle;       // starts and ends at the same lock
  std::vector<LockId> gate_locks;  // held across every edge of the cycle; non-empty = guarded
};

struct SelfDeadlockRecord {
  std::uint32_t thread = 0;
  LockId lock = 0;
  SiteId held_site = kNoSite;
  SiteId requested_site = kNoSite;
  bool shared_held = false;  // the thread holds it shared and asked for it exclusively
};

struct MisuseRecord {
  std::uint32_t thread = 0;
  LockId lock = 0;
  SiteId site = kNoSite;
  MisuseKind kind = MisuseKind::kUnlockNotOwner;
  std::uint32_t owner = 0;        // the holding thread for kUnlockNotOwner; 0 = none
  LockId other = 0;               // kWaitTwoMutexes: the mutex the other waiters use; 0 = none
  SiteId earlier_site = kNoSite;  // thread misuses: where the thread was first joined or detached
};

// How a thread of a wait-for cycle waits for its lock.
enum class WaitHow {
  kLock,       // blocked in a lock call
  kCondition,  // in a condition wait: it cannot return without the mutex
  kRetry,      // failing try or timed lock calls on it, over and over
  kJoin,       // joining the next step's thread (no lock: `lock` is unused)
};

// Threads waiting for each other in a cycle, seen by the thread that closed
// it: a deadlock (every step blocked: none can ever go on) or a livelock
// (every step retrying a try or timed lock while holding what the next one
// retries for).
struct WaitCycleRecord {
  bool livelock = false;
  struct Step {
    std::uint32_t thread = 0;
    LockId lock = 0;  // what the thread waits for (not for kJoin)
    WaitHow how = WaitHow::kLock;
    SiteId waiting_site = kNoSite;  // where it waits
    SiteId held_site = kNoSite;     // where the next step's thread took `lock`
  };
  // Step i waits for a lock the thread of step i+1 holds (the last step: the
  // first step's thread). The first step is the thread that closed it.
  std::vector<Step> steps;
};

// Receives the checker's records in the order they happen. Called with the
// checker's lock held: implementations must not take pthread locks.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void OnThread(std::uint32_t thread, std::int64_t os_tid) = 0;
  virtual void OnSite(SiteId id, const Site& site) = 0;
  virtual void OnLock(const LockRecord& lock) = 0;
  virtual void OnEdge(const Edge& edge) = 0;
  // A known edge taken again holding fewer locks than every earlier
  // acquisition did: its new witness and its narrowed guard.
  virtual void OnEdgeRetaken(const Edge& edge) = 0;
  virtual void OnInversion(const InversionRecord& inversion) = 0;
  virtual void OnSelfDeadlock(const SelfDeadlockRecord& self_deadlock) = 0;
  virtual void OnMisuse(const MisuseRecord& misuse) = 0;
  virtual void OnWaitCycle(const WaitCycleRecord& cycle) = 0;
  // A held set an edge names (EdgeWitness::held_set): `parent`'s locks
  // (kNoHeldSet: none), then `lock`.
  virtual void OnHeldSet(HeldSetId id, HeldSetId parent, LockId lock) = 0;
  // Flush leaves what the sink wrote complete and tidy (at exit, exec,
  // fork, abort, the wait dump); after WriteThrough (exit has begun) each
  // record is written exactly as it comes.
  virtual void Flush() {}
  virtual void WriteThrough() {}
};

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_RECORDS_H_
