// The lock-order checker: the synchronized facade around LockGraph. It keeps
// each thread's held locks, turns "thread holds H, requests L" into graph
// edges, and reports cycles (lock-order inversions), re-locking a held
// non-recursive lock (self-deadlock) and unlocking a lock the thread does
// not hold (mutex misuse) to a RecordSink the moment it sees them.
//
// Fast path: a thread that requests a lock on top of a chain of held locks
// it has validated before does no global work and takes no lock: a
// direct-mapped cache finds the lock, a per-thread set of validated chains
// (Linux lockdep's idea) says the edges exist. Finding or creating a lock
// takes the spinlock of its shard of the lock table (by address page); only
// what changes the graph or the records takes the checker's spinlock.
//
// Locks used alone cost nothing global either: a lock taken while the
// thread holds no other, and not in its cache, is held unresolved (by
// address, no LockInfo). It is resolved (looked up or created) only when
// the thread takes another lock under it, or blocks on it while another
// thread holds it. A program that builds, locks and frees a million locks,
// one at a time, creates no LockInfo.
//
// Threading: any thread may call, each passing its own ThreadLockState
// (never shared between threads). Sink callbacks run under the checker's
// lock, one at a time.
#ifndef RACELAB_HARNESS_LOCKORDER_CHECKER_H_
#define RACELAB_HARNESS_LOCKORDER_CHECKER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "harness/lockorder/arena.h"
#include "harness/lockorder/held_list.h"
#include "harness/lockorder/lock_graph.h"
#include "harness/lockorder/lock_page_filter.h"
#include "harness/lockorder/records.h"
#include "harness/lockorder/spinlock.h"

namespace racelab::lockorder {

// Per-lock facts that threads read without the checker's lock. Nothing here
// is written on the fast path: who holds a lock is read from the lock
// itself when it matters (HolderQuery), so that two threads passing a lock
// back and forth move no cache line but the lock's own.
//
// Reused: once its lock is retired (and out of the graph), a LockInfo goes
// to its shard's free list and the next new lock there takes it over, with
// a new id. A thread's lock cache may still point at it, so the fields a
// thread reads without a lock are atomics, and a cache hit also checks
// `address` (an entry whose LockInfo now describes another lock is a miss).
// The memory is never freed: a stale pointer reads a lock, never garbage.
struct LockInfo {
  std::atomic<LockId> id{0};
  std::atomic<LockKind> kind{LockKind::kMutex};
  std::atomic<std::uintptr_t> address{0};
  std::atomic<SiteId> first_site{kNoSite};  // where it was first acquired
  // Its node in the checker's graph, given when it gets its first edge (most
  // locks never do); kNoNode until then, and again once it is retired.
  // Written under the checker's lock; read by Retire under its shard's.
  static constexpr LockId kNoNode = ~LockId{0};
  mutable std::atomic<LockId> node{kNoNode};
  std::atomic<bool> retired{false};  // destroyed or re-initialised: a new LockInfo takes over
  // Whether its `lock` line is in the record file. A lock is declared when a
  // record first names it (an edge, a finding, a wait dump), not when it is
  // first seen: a program that builds and drops a million locks, each used
  // alone, costs no write per lock. kDeclaring: a thread has claimed the
  // line and is writing it (the wait dump, a signal handler that may have
  // interrupted that thread, writes one of its own then).
  static constexpr std::uint8_t kUndeclared = 0, kDeclaring = 1, kDeclared = 2;
  mutable std::atomic<std::uint8_t> declared{kUndeclared};
};

// The OS thread id of the thread holding the lock at `address` exclusively,
// read from the lock's own state; 0 when nobody does (or it is held shared).
// Reads memory only, so that a signal handler may call it.
using HolderQuery = std::int64_t (*)(std::uintptr_t address, LockKind kind);

// One step of a wait-for cycle as the hooks found it (see WaitCycleRecord).
struct WaitCycleStep {
  std::uint32_t thread = 0;        // the checker's number for the waiting thread
  const LockInfo* lock = nullptr;  // null for a join
  WaitHow how = WaitHow::kLock;
  const Site* waiting_site = nullptr;  // null: unknown
  const Site* held_site = nullptr;     // where the next step's thread took `lock`; null: unknown
};

// The chain of an unresolved held entry (see Held::chain): a constant no
// chain of resolved locks hashes to but by a 2^-64 accident, so a chain
// built on it is never found validated and takes the slow path.
inline constexpr std::uint64_t kUnresolvedChain = 0x5DEECE66D1B0A7E3ull;

inline constexpr std::size_t kMaxValidatedChains = std::size_t{1} << 16;
// How many held-list chains the checker keeps the held set of (see
// LockOrderChecker::NewHeldSet).
inline constexpr std::size_t kMaxKnownHeldSetChains = std::size_t{1} << 18;

// One thread's view. Owned and used by that thread only; cache-line aligned
// so that no other thread's data shares its lines.
struct alignas(64) ThreadLockState {
  std::uint32_t thread = 0;  // 0 until the checker first sees this thread
  std::int64_t os_tid = 0;
  HeldList held;

  struct CachedLock {
    std::uintptr_t address = 0;
    LockInfo* lock = nullptr;
  };
  std::array<CachedLock, 64> lock_cache{};
  std::array<std::uint64_t, 256> chain_cache{};  // direct-mapped validated chains
  // Open addressing (no allocation per entry): the slow path adds to these.
  ArenaHashSet<std::uint64_t> validated_chains;  // the latest kMaxValidatedChains
  ArenaHashSet<std::uint64_t> reported_once;     // (what, lock, site) already reported
  ArenaHashMap<std::uint64_t, SiteId> site_ids;  // sites this thread had interned, by hash
};

// Chain hashing: one multiply-xorshift round, on the fast path of every
// lock; 64 bits keep accidental equality of two chains out of reach.
inline std::uint64_t Mix(std::uint64_t chain, std::uint64_t value) {
  std::uint64_t x = (chain ^ (value + 0x632BE59BD9B4E019ull)) * 0x9E3779B97F4A7C15ull;
  x ^= x >> 29;
  return x == 0 ? 1 : x;  // 0 marks an empty chain-cache slot
}

inline std::size_t AddressSlot(std::uintptr_t address, std::size_t slots) {
  return static_cast<std::size_t>((address >> 4) ^ (address >> 12)) & (slots - 1);
}

class LockOrderChecker {
 public:
  // The fast path of a blocking acquisition, exclusive or shared, inline:
  // when this thread already knows the lock, it is not a recursive mutex,
  // and the thread has validated the chain it would extend (nothing to
  // record), pushes the hold (as PushHeld) and returns where its site goes.
  // nullptr means "take the slow path" (BeforeBlockingAcquire, then
  // PushHeld), never "no problem". A shared hold is no different here: a
  // second shared hold of a lock the thread holds (counted as recursion)
  // never has a validated chain, as below.
  ABSL_ATTRIBUTE_ALWAYS_INLINE Site* TryFastBlockingAcquire(ThreadLockState& thread,
                                                            std::uintptr_t address,
                                                            bool shared = false) {
    if (foreign_unlock_seen_.load(std::memory_order_relaxed)) return nullptr;
    const ThreadLockState::CachedLock& cached =
        thread.lock_cache[AddressSlot(address, thread.lock_cache.size())];
    LockInfo* lock = cached.lock;
    if (cached.address != address || lock == nullptr ||
        lock->address.load(std::memory_order_relaxed) != address ||
        IsRecursive(lock->kind.load(std::memory_order_relaxed)) ||
        lock->retired.load(std::memory_order_relaxed)) {
      return nullptr;
    }
    // No scan of the held locks for a re-lock: the slow path never marks a
    // chain that re-locks a held lock as validated, so a validated chain
    // cannot contain one.
    const std::uint64_t chain = Mix(thread.held.empty() ? 0 : thread.held.back().chain, lock->id);
    if (!thread.held.empty() &&
        thread.chain_cache[chain & (thread.chain_cache.size() - 1)] != chain) {
      return nullptr;
    }
    return &NewHeld(thread, lock, address, lock->kind, shared, /*blocking=*/true, chain).site;
  }

  // The fast path of a blocking acquisition by a thread that holds no lock:
  // nothing to check, so the hold is pushed (resolved only if this thread's
  // cache knows the lock) and returns where its site goes. nullptr: take
  // the slow path (the thread holds locks, or its held list would have to
  // allocate).
  ABSL_ATTRIBUTE_ALWAYS_INLINE Site* TryAloneAcquire(ThreadLockState& thread,
                                                     std::uintptr_t address, LockKind kind,
                                                     bool shared) {
    if (!thread.held.empty() || !thread.held.has_room() ||
        foreign_unlock_seen_.load(std::memory_order_relaxed)) {
      return nullptr;
    }
    LockInfo* lock = CachedLock(thread, address);
    return &NewHeld(thread, lock, address, kind, shared, /*blocking=*/true,
                    lock == nullptr ? kUnresolvedChain : Mix(0, lock->id))
                .site;
  }

  // `sink` must outlive the checker. Not owned. `holder` tells who holds a
  // lock (for misuse reports, and to notice holds another thread's unlock
  // ended). With `abort_on_inversion`, the process aborts right after an
  // unguarded cycle has been recorded. `held_set_chains`: how many held
  // lists it keeps the held set of (NewHeldSet; smaller in tests).
  LockOrderChecker(RecordSink* sink, HolderQuery holder, bool abort_on_inversion = false,
                   std::size_t held_set_chains = kMaxKnownHeldSetChains)
      : sink_(sink),
        holder_(holder),
        abort_on_inversion_(abort_on_inversion),
        held_set_chains_(held_set_chains) {}
  LockOrderChecker(const LockOrderChecker&) = delete;
  LockOrderChecker& operator=(const LockOrderChecker&) = delete;

  // Before a call that may block until the lock is acquired (lock, wrlock,
  // rdlock, or retaking a mutex after a condition wait): records the edges
  // from held locks, a cycle they close, or a self-deadlock, before the
  // caller blocks.
  // Returns the lock, to hand to AfterAcquire; nullptr when the thread
  // holds no lock and does not know this one (it stays unresolved).
  LockInfo* BeforeBlockingAcquire(ThreadLockState& thread, std::uintptr_t address, LockKind kind,
                                  bool shared, const Site& site);
  // After any successful acquisition (blocking, try or timed) of the lock at
  // `address`; `lock` is what BeforeBlockingAcquire or FindLock returned.
  void AfterAcquire(ThreadLockState& thread, LockInfo* lock, std::uintptr_t address, LockKind kind,
                    bool shared, bool blocking, const Site& site) {
    if (Site* slot = PushHeld(thread, lock, address, kind, shared, blocking)) *slot = site;
  }
  // AfterAcquire without the site, and callable before the lock call (the
  // hooks do so, to keep their work out of the critical section the call
  // opens; when the call fails, ReleaseIfHeld takes the hold back). Returns
  // where the caller stores the site (the hooks walk the stack straight
  // into it), or nullptr when the acquisition only deepened a recursive or
  // shared hold. `lock` may be nullptr only while the thread holds nothing.
  Site* PushHeld(ThreadLockState& thread, LockInfo* lock, std::uintptr_t address, LockKind kind,
                 bool shared, bool blocking) {
    DropStaleHolds(thread);
    if (IsRecursive(kind) || shared) {
      if (CountRecursion(thread, address)) return nullptr;
    }
    const std::uint64_t chain =
        lock == nullptr ? kUnresolvedChain
                        : Mix(thread.held.empty() ? 0 : thread.held.back().chain, lock->id);
    return &NewHeld(thread, lock, address, kind, shared, blocking, chain).site;
  }
  // A try or timed acquisition: the lock is resolved unless it is the only
  // one the thread holds.
  void AfterAcquire(ThreadLockState& thread, std::uintptr_t address, LockKind kind, bool shared,
                    bool blocking, const Site& site) {
    DropStaleHolds(thread);
    LockInfo* lock =
        thread.held.empty() ? CachedLock(thread, address) : FindLock(thread, address, kind, site);
    AfterAcquire(thread, lock, address, kind, shared, blocking, site);
  }
  // Gives every unresolved entry of the thread's held list its LockInfo.
  void ResolveHeld(ThreadLockState& thread);
  // The lock at `address`, known from now on; `site` is its first acquisition
  // site when it is new.
  LockInfo* FindLock(ThreadLockState& thread, std::uintptr_t address, LockKind kind,
                     const Site& site) {
    return Lookup(thread, address, kind, site);
  }
  // Before an unlock: forgets the lock and returns true when this thread
  // holds it; returns false otherwise, and the caller reports it with
  // ReportUnheldRelease (so the site is captured only then).
  bool ReleaseIfHeld(ThreadLockState& thread, std::uintptr_t address) {
    return TryReleaseLast(thread, address) || ReleaseIfHeldSlow(thread, address);
  }
  // ReleaseIfHeld's fast path (locks are mostly released in reverse order):
  // false when the lock is not the one the thread took last.
  static bool TryReleaseLast(ThreadLockState& thread, std::uintptr_t address) {
    if (thread.held.empty()) return false;
    Held& top = thread.held.back();
    if (top.address != address) return false;
    if (--top.recursion == 0) thread.held.pop_back();
    return true;
  }
  // A relock of an error-checking mutex (or a rwlock) this thread holds,
  // which the lock refused with EDEADLK: misuse, not a self-deadlock.
  void ReportFailedRelock(ThreadLockState& thread, std::uintptr_t address, LockKind kind,
                          const Site& site) {
    ReportLockMisuse(thread, address, kind, site, MisuseKind::kRelockFailed,
                     MisuseFacts{.holder = thread.os_tid});
  }
  // Misuse the hooks saw (a relock refused, a destroy of a locked lock, ...),
  // once per lock and site.
  void ReportLockMisuse(ThreadLockState& thread, std::uintptr_t address, LockKind kind,
                        const Site& site, MisuseKind misuse, const MisuseFacts& facts);
  // The record id of `site`, interned (and recorded) when new; a per-thread
  // cache keeps the checker's lock off repeated sites.
  SiteId SiteIdOf(ThreadLockState& thread, const Site& site);
  // A wait-for cycle the hooks found and proved (see wait_dump.h), first
  // step the calling thread's: recorded with its sites.
  void ReportWaitCycle(ThreadLockState& thread, bool livelock, const WaitCycleStep* steps,
                       int count);
  // An unlock of a lock this thread does not hold.
  void ReportUnheldRelease(ThreadLockState& thread, std::uintptr_t address, LockKind kind,
                           const Site& site);
  void BeforeRelease(ThreadLockState& thread, std::uintptr_t address, LockKind kind,
                     const Site& site) {
    if (!ReleaseIfHeld(thread, address)) ReportUnheldRelease(thread, address, kind, site);
  }
  // Condition waits: the mutex is released for the wait and retaken after.
  // Returns false (after reporting misuse) when the thread does not hold it.
  bool ReleaseForWait(ThreadLockState& thread, std::uintptr_t address, const Site& site);
  // The lock at `address` was destroyed or (re)initialised: a later lock at
  // the same address is a different lock.
  void Forget(std::uintptr_t address);
  // The memory [begin, end) was freed: every lock in it is gone (a
  // std::mutex is never destroyed through pthread, so this is how a heap
  // address reused by a later lock is told apart from the old one).
  void ForgetRange(std::uintptr_t begin, std::uintptr_t end);
  // Where known locks lie (see LockPageFilter): for the free() hook.
  bool KnowsAnyLock() const { return page_filter_.KnowsAnyLock(); }
  bool MayHoldLocks(std::uintptr_t begin, std::uintptr_t end) const {
    return page_filter_.MayHoldLocks(begin, end);
  }

  // Numbers the thread (recording it) if it has no number yet; returns it.
  std::uint32_t RegisterThread(ThreadLockState& thread) {
    SpinlockHolder hold(mu_);
    EnsureRegistered(thread);
    return thread.thread;
  }

  // A lock id no lock has: for a lock the wait dump names while it is
  // unresolved. Lock-free, callable from a signal handler.
  LockId NewLockId() { return next_lock_id_.fetch_add(1, std::memory_order_relaxed); }

  // RecordSink::Flush under the checker's lock; with `write_through`,
  // RecordSink::WriteThrough first (at exit).
  void FlushRecords(bool write_through = false) {
    SpinlockHolder hold(mu_);
    if (write_through) sink_->WriteThrough();
    sink_->Flush();
  }
  // FlushRecords for a signal handler or abort, which may have interrupted
  // a thread inside the checker: gives up (returns false) when the
  // checker's lock stays taken for a few thousand yields.
  bool TryFlushRecords(bool write_through = false);

  std::size_t lock_count() const;        // LockInfos made (reused once their lock is gone)
  std::size_t graph_node_count() const;  // the locks that have an edge
  std::size_t edge_count() const;

 private:
  LockInfo* Lookup(ThreadLockState& thread, std::uintptr_t address, LockKind kind,
                   const Site& site);
  LockInfo* LookupSlow(ThreadLockState& thread, std::uintptr_t address, LockKind kind,
                       const Site& site);
  // The lock at `address` if this thread's cache has it; else nullptr.
  static LockInfo* CachedLock(ThreadLockState& thread, std::uintptr_t address) {
    const ThreadLockState::CachedLock& cached =
        thread.lock_cache[AddressSlot(address, thread.lock_cache.size())];
    if (cached.address != address || cached.lock == nullptr ||
        cached.lock->address.load(std::memory_order_relaxed) != address ||
        cached.lock->retired.load(std::memory_order_relaxed)) {
      return nullptr;
    }
    return cached.lock;
  }
  void EnsureRegistered(ThreadLockState& thread) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  SiteId Intern(const Site& site) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The lock's graph node, added on first use.
  LockId GraphNode(const LockInfo& lock) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes the lock's `lock` line unless it is written (see LockInfo).
  void Declare(const LockInfo& lock) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddEdgesSlow(ThreadLockState& thread, const LockInfo& lock, const Site& site);
  // What the checker keeps of a graph edge (the edge's payload indexes
  // edge_facts_): its witness, the held locks as a held set, and its guard
  // (see Edge::guard), the locks held at every acquisition of it.
  struct EdgeFacts {
    std::uint32_t thread = 0;
    SiteId held_site = kNoSite;
    SiteId requested_site = kNoSite;
    HeldSetId held = kNoHeldSet;
    HeldSetId guard = kNoHeldSet;  // `held` until an acquisition holding fewer
  };
  // Adds from → to to the graph; when new, records it, and the cycle it
  // closes; when known, narrows its guard (NarrowGuard).
  void RecordEdge(const LockInfo& from, const LockInfo& to, EdgeFacts facts)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A cycle the new edge closed, as graph nodes: recorded with its gate
  // locks (the locks in every step's guard); a guarded one is kept, to be
  // reported when a later acquisition takes its gate away.
  void ReportCycle(const std::vector<LockId>& nodes, std::uint32_t thread)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A known edge (its facts at `slot`) taken again with `facts`: when that
  // acquisition held fewer of the guard's locks, the guard shrinks to what
  // both held, the edge is recorded again with this witness, and a guarded
  // cycle through it whose gate that took away is reported.
  void NarrowGuard(const LockInfo& from, const LockInfo& to, std::uint32_t slot,
                   const EdgeFacts& facts) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The held set of the thread's held list (all resolved), its new sets
  // recorded.
  HeldSetId HeldSetOf(const ThreadLockState& thread) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The held set of `locks` (oldest first), its new sets recorded.
  HeldSetId HeldSetOfLocks(const std::vector<LockId>& locks) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool InHeldSet(HeldSetId set, LockId lock) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The locks of held set `set`, oldest first.
  std::vector<LockId> HeldLocksOf(HeldSetId set) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The facts of the graph edge between two nodes (it must exist).
  const EdgeFacts& FactsOfEdge(LockId from_node, LockId to_node) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Before `lock` leaves the graph: the edges its own edges stood for.
  void KeepCoveredEdges(const LockInfo& lock) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReportMisuse(ThreadLockState& thread, const LockInfo& lock, const Site& site, bool waiting);
  // A new top entry in the thread's held list, all but its site written.
  ABSL_ATTRIBUTE_ALWAYS_INLINE static Held& NewHeld(ThreadLockState& thread, LockInfo* lock,
                                                    std::uintptr_t address, LockKind kind,
                                                    bool shared, bool blocking,
                                                    std::uint64_t chain) {
    // Built in place: copying a finished Held into the list stalls on store
    // forwarding (measured: 40% of PushHeld's time).
    Held& held = thread.held.push();
    held.lock = lock;
    held.address = address;
    held.kind = kind;
    held.shared = shared;
    held.blocking = blocking;
    held.recursion = 1;
    held.chain = chain;
    return held;
  }
  void DropStaleHolds(ThreadLockState& thread) {
    if (foreign_unlock_seen_.load(std::memory_order_relaxed)) DropStaleHoldsSlow(thread);
  }
  void DropStaleHoldsSlow(ThreadLockState& thread);
  bool ReleaseIfHeldSlow(ThreadLockState& thread, std::uintptr_t address);
  // A recursive re-lock, or a second shared hold: counted on the held entry.
  static bool CountRecursion(ThreadLockState& thread, std::uintptr_t address);
  // Recomputes the chains of held entries `from` and up.
  static void Rechain(ThreadLockState& thread, std::size_t from);
  static bool ChainValidated(ThreadLockState& thread, std::uint64_t chain);
  static void MarkValidated(ThreadLockState& thread, std::uint64_t chain);

  RecordSink* const sink_;
  const HolderQuery holder_;
  const bool abort_on_inversion_;
  const std::size_t held_set_chains_;
  mutable Spinlock mu_;
  // Nodes only for locks with edges: node ids are dense among those, so a
  // program that builds a million locks and uses each alone has no node.
  LockGraph graph_ ABSL_GUARDED_BY(mu_);
  ArenaVector<const LockInfo*> lock_of_node_ ABSL_GUARDED_BY(mu_);
  ArenaVector<EdgeFacts> edge_facts_ ABSL_GUARDED_BY(mu_);
  ArenaVector<std::uint32_t> free_edge_facts_ ABSL_GUARDED_BY(mu_);  // slots of removed edges
  // Held sets (see HeldSetId): each its parent plus one lock, by id; and by
  // the chain hash of the held list prefix they stand for.
  struct HeldSetNode {
    HeldSetId parent;
    LockId lock;
  };
  ArenaVector<HeldSetNode> held_sets_ ABSL_GUARDED_BY(mu_);
  ArenaHashMap<std::uint64_t, HeldSetId> held_set_of_chain_ ABSL_GUARDED_BY(mu_);
  // A held set `parent` plus `lock`, the held list prefix with `chain`:
  // numbered, kept and recorded.
  HeldSetId NewHeldSet(HeldSetId parent, LockId lock, std::uint64_t chain)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Guarded cycles (by lock id, never reused), each step with its guard,
  // indexed by each step's (from, to) ids; see NarrowGuard.
  struct GuardedCycle {
    ArenaVector<LockId> locks;  // first == last
    ArenaVector<ArenaVector<LockId>> step_guards;
    bool unguarded = false;  // reported: a later narrowing took its last gate
  };
  ArenaVector<GuardedCycle> guarded_cycles_ ABSL_GUARDED_BY(mu_);
  ArenaHashMap<std::uint64_t, ArenaVector<std::uint32_t>> guarded_cycles_by_edge_
      ABSL_GUARDED_BY(mu_);
  std::atomic<LockId> next_lock_id_{0};
  // The lock table, sharded by address page so that threads creating and
  // destroying locks in their own memory do not meet.
  using ByAddress = ArenaBtreeMap<std::uintptr_t, LockInfo*>;
  struct alignas(64) LockShard {
    mutable Spinlock mu;
    ArenaDeque<LockInfo> locks ABSL_GUARDED_BY(mu);   // deque: LockInfo addresses stay valid
    ArenaVector<LockInfo*> free ABSL_GUARDED_BY(mu);  // retired, out of the graph: reusable
    // Live locks by address; ordered, for ForgetRange.
    ByAddress by_address ABSL_GUARDED_BY(mu);
  };
  static constexpr std::size_t kShards = 64;
  static constexpr int kPageShift = LockPageFilter::kPageShift;
  static std::size_t ShardOf(std::uintptr_t address) { return (address >> kPageShift) % kShards; }
  std::array<LockShard, kShards> shards_;
  // Takes the lock at `found` out of its shard, marked retired; returns the
  // entry after it.
  ByAddress::iterator Retire(LockShard& shard, ByAddress::iterator found)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  void RemoveFromGraph(const std::vector<LockInfo*>& retired) ABSL_LOCKS_EXCLUDED(mu_);
  // Written under the shard locks (each slot's pages are in one shard).
  LockPageFilter page_filter_;
  static_assert(LockPageFilter::kSlots % kShards == 0);
  ArenaVector<Site> sites_ ABSL_GUARDED_BY(mu_);
  ArenaUnorderedMap<std::uint64_t, ArenaVector<SiteId>> site_index_ ABSL_GUARDED_BY(mu_);
  std::uint32_t next_thread_ ABSL_GUARDED_BY(mu_) = 0;
  // Registered threads by OS thread id (the newest, when an id was reused).
  ArenaUnorderedMap<std::int64_t, std::uint32_t> thread_by_os_tid_ ABSL_GUARDED_BY(mu_);
  // Set once any thread unlocked a lock another thread held: only then can a
  // thread's held list contain locks it no longer holds.
  std::atomic<bool> foreign_unlock_seen_{false};
};

// Hash of a site's frames (for interning and de-duplication).
std::uint64_t SiteHash(const Site& site);

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_CHECKER_H_
