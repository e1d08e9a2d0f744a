// The lock-order checker (see checker.h).
#include "harness/lockorder/checker.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "harness/lockorder/gate_locks.h"

namespace racelab::lockorder {
namespace {

std::uint64_t ChainOf(const HeldList& held) { return held.empty() ? 0 : held.back().chain; }

const Held* FindHeld(const ThreadLockState& thread, std::uintptr_t address) {
  for (auto it = thread.held.rbegin(); it != thread.held.rend(); ++it) {
    if (it->address == address) return &*it;
  }
  return nullptr;
}

}  // namespace

std::uint64_t SiteHash(const Site& site) {
  std::uint64_t hash = static_cast<std::uint64_t>(site.depth);
  for (int i = 0; i < site.depth; ++i) hash = Mix(hash, site.pcs[i]);
  return hash;
}

LockId LockOrderChecker::GraphNode(const LockInfo& lock) {
  LockId node = lock.node.load(std::memory_order_relaxed);
  if (node == LockInfo::kNoNode) {
    node = graph_.AddLock();  // the id of a removed node, or one past the last
    if (node == lock_of_node_.size()) lock_of_node_.push_back(nullptr);
    lock_of_node_[node] = &lock;
    lock.node.store(node, std::memory_order_relaxed);
  }
  return node;
}

void LockOrderChecker::Declare(const LockInfo& lock) {
  std::uint8_t undeclared = LockInfo::kUndeclared;
  if (!lock.declared.compare_exchange_strong(undeclared, LockInfo::kDeclaring,
                                             std::memory_order_acq_rel)) {
    return;
  }
  sink_->OnLock(LockRecord{lock.id, lock.kind, lock.address, lock.first_site});
  lock.declared.store(LockInfo::kDeclared, std::memory_order_release);
}

void LockOrderChecker::EnsureRegistered(ThreadLockState& thread) {
  if (thread.thread != 0) return;
  thread.thread = ++next_thread_;
  thread_by_os_tid_[thread.os_tid] = thread.thread;
  sink_->OnThread(thread.thread, thread.os_tid);
}

SiteId LockOrderChecker::Intern(const Site& site) {
  ArenaVector<SiteId>& same_hash = site_index_[SiteHash(site)];
  for (SiteId id : same_hash) {
    const Site& known = sites_[id];
    if (known.depth == site.depth && std::equal(known.pcs, known.pcs + known.depth, site.pcs)) {
      return id;
    }
  }
  const SiteId id = static_cast<SiteId>(sites_.size());
  sites_.push_back(site);
  same_hash.push_back(id);
  sink_->OnSite(id, site);
  return id;
}

bool LockOrderChecker::ChainValidated(ThreadLockState& thread, std::uint64_t chain) {
  const std::uint64_t cached = thread.chain_cache[chain & (thread.chain_cache.size() - 1)];
  if (cached == chain) return true;
  if (thread.validated_chains.count(chain) == 0) return false;
  thread.chain_cache[chain & (thread.chain_cache.size() - 1)] = chain;
  return true;
}

void LockOrderChecker::MarkValidated(ThreadLockState& thread, std::uint64_t chain) {
  // Bounded: a program that keeps making new locks makes new chains for
  // ever. A chain forgotten is only checked again (its edges are known).
  // Emptied at its full size: a large hash set's clear() gives its table
  // back, and growing it again rehashed it a dozen times over.
  if (thread.validated_chains.size() >= kMaxValidatedChains) {
    thread.validated_chains.clear();
    thread.validated_chains.reserve(kMaxValidatedChains);
  }
  thread.validated_chains.insert(chain);
  thread.chain_cache[chain & (thread.chain_cache.size() - 1)] = chain;
}

void LockOrderChecker::Rechain(ThreadLockState& thread, std::size_t from) {
  for (std::size_t i = from; i < thread.held.size(); ++i) {
    Held& held = thread.held[i];
    held.chain = held.lock == nullptr ? kUnresolvedChain
                                      : Mix(i == 0 ? 0 : thread.held[i - 1].chain, held.lock->id);
  }
}

void LockOrderChecker::ResolveHeld(ThreadLockState& thread) {
  std::size_t first = thread.held.size();
  for (std::size_t i = 0; i < thread.held.size(); ++i) {
    Held& held = thread.held[i];
    if (held.lock != nullptr) continue;
    held.lock = Lookup(thread, held.address, held.kind, held.site);
    first = std::min(first, i);
  }
  Rechain(thread, first);
}

void LockOrderChecker::DropStaleHoldsSlow(ThreadLockState& thread) {
  // A lock this thread took exclusively that the lock's own state no longer
  // says it holds: another thread unlocked it (mutex misuse, reported then),
  // or its memory is a new lock now.
  for (size_t i = 0; i < thread.held.size(); ++i) {
    const Held& held = thread.held[i];
    if (held.shared || !HolderIsKnown(held.kind) ||
        holder_(held.address, held.kind) == thread.os_tid) {
      continue;
    }
    thread.held.erase(thread.held.begin() + i);
    Rechain(thread, i);
    --i;
  }
}

LockInfo* LockOrderChecker::BeforeBlockingAcquire(ThreadLockState& thread, std::uintptr_t address,
                                                  LockKind kind, bool shared, const Site& site) {
  // Alone: no edge, no self-deadlock, nothing to look up.
  if (thread.held.empty()) return CachedLock(thread, address);
  // Edges and self-deadlocks are learnt from the holds, so the locks' own
  // state confirms them first: a stack mutex left locked is no hold once
  // its memory is a new, free lock (built without an init or destroy the
  // hooks saw). Here only, off the validated-chain fast path.
  DropStaleHoldsSlow(thread);
  if (thread.held.empty()) return CachedLock(thread, address);
  ResolveHeld(thread);  // first: ids follow the order locks were taken in
  LockInfo* lock = Lookup(thread, address, kind, site);
  if (const Held* held = FindHeld(thread, address)) {
    const bool recursive_relock = IsRecursive(lock->kind);
    // Two shared holds of one rwlock are not a self-deadlock either.
    const bool shared_relock = shared && held->shared;
    if (recursive_relock || shared_relock) return lock;
    // Once per lock and site: a thread that relies on another to unlock its
    // mutex (a hand-off through a plain mutex) would repeat it every round.
    if (!thread.reported_once.insert(Mix(SiteHash(site), ~std::uint64_t{lock->id})).second) {
      return lock;
    }
    SpinlockHolder hold(mu_);
    EnsureRegistered(thread);
    Declare(*lock);
    sink_->OnSelfDeadlock(SelfDeadlockRecord{thread.thread, lock->id, Intern(held->site),
                                             Intern(site), held->shared && !shared});
    return lock;
  }
  const std::uint64_t chain = Mix(ChainOf(thread.held), lock->id);
  if (ChainValidated(thread, chain)) return lock;
  AddEdgesSlow(thread, *lock, site);
  MarkValidated(thread, chain);
  return lock;
}

void LockOrderChecker::AddEdgesSlow(ThreadLockState& thread, const LockInfo& lock,
                                    const Site& site) {
  SpinlockHolder hold(mu_);
  EnsureRegistered(thread);
  // Destroyed meanwhile (by another thread, while this one asks for it):
  // a retired lock has no node to come back to.
  if (lock.retired.load(std::memory_order_relaxed)) return;
  const SiteId requested_site = Intern(site);
  for (const Held& held : thread.held) Declare(*held.lock);  // named by every edge's held set
  Declare(lock);
  const HeldSetId held_set = HeldSetOf(thread);
  // As lockdep: an edge from each held lock down to and including the most
  // recent one taken by a blocking call; edges into that one already cover
  // the locks below it. Locks taken by try/timed calls have no edges into
  // them, so they do not cover anything and the walk goes past them.
  // The graph speaks in nodes; witnesses' held sets and records, in lock ids.
  for (auto it = thread.held.rbegin(); it != thread.held.rend(); ++it) {
    // A lock destroyed or freed while held (misuse) stays out of the graph.
    if (it->lock->retired.load(std::memory_order_relaxed)) continue;
    RecordEdge(*it->lock, lock,
               EdgeFacts{thread.thread, Intern(it->site), requested_site, held_set, held_set});
    if (it->blocking) break;
  }
}

HeldSetId LockOrderChecker::HeldSetOf(const ThreadLockState& thread) {
  // Each prefix of the held list is a set, known by its chain hash: the
  // deepest known one is extended by the entries above it.
  std::size_t first_new = 0;
  HeldSetId set = kNoHeldSet;
  for (std::size_t i = thread.held.size(); i-- > 0;) {
    auto known = held_set_of_chain_.find(thread.held[i].chain);
    if (known != held_set_of_chain_.end()) {
      set = known->second;
      first_new = i + 1;
      break;
    }
  }
  for (std::size_t i = first_new; i < thread.held.size(); ++i) {
    set = NewHeldSet(set, thread.held[i].lock->id, thread.held[i].chain);
  }
  return set;
}

HeldSetId LockOrderChecker::NewHeldSet(HeldSetId parent, LockId lock, std::uint64_t chain) {
  const auto set = static_cast<HeldSetId>(held_sets_.size());
  held_sets_.push_back({parent, lock});
  // Bounded: a program that keeps making new locks and holds them while it
  // takes others makes new chains for ever (a lock's id is never reused, so
  // a chain with a lock that is gone never comes back). A chain forgotten
  // while it is still in use gets a new held set next time: an extra
  // `held` line, the same locks.
  if (held_set_of_chain_.size() >= held_set_chains_) {
    held_set_of_chain_.clear();
    held_set_of_chain_.reserve(held_set_chains_);
  }
  held_set_of_chain_.emplace(chain, set);
  sink_->OnHeldSet(set, parent, lock);
  return set;
}

HeldSetId LockOrderChecker::HeldSetOfLocks(const std::vector<LockId>& locks) {
  // Known by the chain hash a held list of these locks would have.
  std::uint64_t chain = 0;
  HeldSetId set = kNoHeldSet;
  for (LockId lock : locks) {
    chain = Mix(chain, lock);
    auto known = held_set_of_chain_.find(chain);
    set = known != held_set_of_chain_.end() ? known->second : NewHeldSet(set, lock, chain);
  }
  return set;
}

const LockOrderChecker::EdgeFacts& LockOrderChecker::FactsOfEdge(LockId from_node,
                                                                 LockId to_node) const {
  return edge_facts_[*graph_.FindEdge(from_node, to_node)];
}

std::vector<LockId> LockOrderChecker::HeldLocksOf(HeldSetId set) const {
  std::vector<LockId> locks;
  for (; set != kNoHeldSet; set = held_sets_[set].parent) locks.push_back(held_sets_[set].lock);
  std::reverse(locks.begin(), locks.end());  // oldest first, as the held list
  return locks;
}

bool LockOrderChecker::InHeldSet(HeldSetId set, LockId lock) const {
  for (; set != kNoHeldSet; set = held_sets_[set].parent) {
    if (held_sets_[set].lock == lock) return true;
  }
  return false;
}

namespace {

std::uint64_t EdgeKey(LockId from, LockId to) { return (std::uint64_t{from} << 32) | to; }

}  // namespace

void LockOrderChecker::RecordEdge(const LockInfo& from, const LockInfo& to, EdgeFacts facts) {
  const LockId from_node = GraphNode(from), to_node = GraphNode(to);
  std::uint32_t slot = 0;
  if (free_edge_facts_.empty()) {
    slot = static_cast<std::uint32_t>(edge_facts_.size());
    edge_facts_.push_back(facts);
  } else {
    slot = free_edge_facts_.back();
    free_edge_facts_.pop_back();
    edge_facts_[slot] = facts;
  }
  LockGraph::AddResult added = graph_.AddEdge(from_node, to_node, slot);
  if (added.added == LockGraph::Added::kAlreadyKnown) {
    free_edge_facts_.push_back(slot);
    NarrowGuard(from, to, added.known_payload, facts);
    return;
  }
  Edge edge{from.id, to.id,
            EdgeWitness{facts.thread, facts.held_site, facts.requested_site, facts.held}};
  sink_->OnEdge(edge);
  if (facts.guard != facts.held) {  // a covered edge whose own edge was narrowed
    edge.guard_narrowed = true;
    edge.guard = facts.guard;
    sink_->OnEdgeRetaken(edge);
  }
  if (added.added == LockGraph::Added::kClosesCycle) ReportCycle(added.cycle, facts.thread);
}

void LockOrderChecker::ReportCycle(const std::vector<LockId>& nodes, std::uint32_t thread) {
  GuardedCycle cycle;
  for (LockId node : nodes) cycle.locks.push_back(lock_of_node_[node]->id);
  for (size_t i = 0; i + 1 < nodes.size(); ++i) {
    const std::vector<LockId> guard = HeldLocksOf(FactsOfEdge(nodes[i], nodes[i + 1]).guard);
    cycle.step_guards.emplace_back(guard.begin(), guard.end());
  }
  std::vector<LockId> gates = GateLocksOf(cycle.step_guards, cycle.locks);
  const bool guarded = !gates.empty();
  sink_->OnInversion(InversionRecord{
      thread, std::vector<LockId>(cycle.locks.begin(), cycle.locks.end()), std::move(gates)});
  if (!guarded) {
    if (abort_on_inversion_) std::abort();  // the record is already written
    return;
  }
  const auto index = static_cast<std::uint32_t>(guarded_cycles_.size());
  for (size_t i = 0; i + 1 < cycle.locks.size(); ++i) {
    guarded_cycles_by_edge_[EdgeKey(cycle.locks[i], cycle.locks[i + 1])].push_back(index);
  }
  guarded_cycles_.push_back(std::move(cycle));
}

void LockOrderChecker::NarrowGuard(const LockInfo& from, const LockInfo& to, std::uint32_t slot,
                                   const EdgeFacts& facts) {
  // Most acquisitions of a known edge hold what its first did: nothing to do.
  const HeldSetId old_guard = edge_facts_[slot].guard;
  if (old_guard == kNoHeldSet || old_guard == facts.guard) return;
  bool narrows = false;
  for (HeldSetId at = old_guard; at != kNoHeldSet && !narrows; at = held_sets_[at].parent) {
    narrows = !InHeldSet(facts.guard, held_sets_[at].lock);
  }
  if (!narrows) return;
  std::vector<LockId> guard;
  for (LockId lock : HeldLocksOf(old_guard)) {
    if (InHeldSet(facts.guard, lock)) guard.push_back(lock);
  }
  EdgeFacts narrowed = facts;
  narrowed.guard = HeldSetOfLocks(guard);
  edge_facts_[slot] = narrowed;
  sink_->OnEdgeRetaken(Edge{
      from.id, to.id, EdgeWitness{facts.thread, facts.held_site, facts.requested_site, facts.held},
      true, narrowed.guard});
  auto cycles = guarded_cycles_by_edge_.find(EdgeKey(from.id, to.id));
  if (cycles == guarded_cycles_by_edge_.end()) return;
  for (std::uint32_t index : cycles->second) {
    GuardedCycle& cycle = guarded_cycles_[index];
    if (cycle.unguarded) continue;
    for (size_t i = 0; i + 1 < cycle.locks.size(); ++i) {
      if (cycle.locks[i] == from.id && cycle.locks[i + 1] == to.id) {
        cycle.step_guards[i].assign(guard.begin(), guard.end());
      }
    }
    if (!GateLocksOf(cycle.step_guards, cycle.locks).empty()) continue;
    cycle.unguarded = true;
    cycle.step_guards = {};
    sink_->OnInversion(InversionRecord{
        facts.thread, std::vector<LockId>(cycle.locks.begin(), cycle.locks.end()), {}});
    if (abort_on_inversion_) std::abort();
  }
}

bool LockOrderChecker::ReleaseIfHeldSlow(ThreadLockState& thread, std::uintptr_t address) {
  for (auto it = thread.held.rbegin(); it != thread.held.rend(); ++it) {
    if (it->address != address) continue;
    if (--it->recursion > 0) return true;
    const size_t index = static_cast<size_t>(std::distance(it, thread.held.rend())) - 1;
    thread.held.erase(thread.held.begin() + index);
    Rechain(thread, index);
    return true;
  }
  return false;
}

bool LockOrderChecker::CountRecursion(ThreadLockState& thread, std::uintptr_t address) {
  for (auto it = thread.held.rbegin(); it != thread.held.rend(); ++it) {
    if (it->address == address && (IsRecursive(it->kind) || it->shared)) {
      ++it->recursion;
      return true;
    }
  }
  return false;
}

void LockOrderChecker::ReportUnheldRelease(ThreadLockState& thread, std::uintptr_t address,
                                           LockKind kind, const Site& site) {
  ReportMisuse(thread, *Lookup(thread, address, kind, site), site, /*waiting=*/false);
}

void LockOrderChecker::ReportLockMisuse(ThreadLockState& thread, std::uintptr_t address,
                                        LockKind kind, const Site& site, MisuseKind misuse,
                                        const MisuseFacts& facts) {
  LockInfo* lock = Lookup(thread, address, kind, facts.created != nullptr ? *facts.created : site);
  LockInfo* other =
      facts.other_mutex != 0 ? Lookup(thread, facts.other_mutex, LockKind::kMutex, site) : nullptr;
  const std::uint64_t key =
      Mix(Mix(SiteHash(site), ~std::uint64_t{lock->id} - 1), static_cast<std::uint64_t>(misuse));
  if (!thread.reported_once.insert(key).second) return;
  SpinlockHolder hold(mu_);
  EnsureRegistered(thread);
  std::uint32_t owner = 0;  // 0 also when the holder never used the hooks
  if (facts.holder != 0) {
    auto found = thread_by_os_tid_.find(facts.holder);
    if (found != thread_by_os_tid_.end()) owner = found->second;
  }
  Declare(*lock);
  if (other != nullptr) Declare(*other);
  sink_->OnMisuse(MisuseRecord{thread.thread, lock->id, Intern(site), misuse, owner,
                               other != nullptr ? other->id.load(std::memory_order_relaxed) : 0,
                               facts.earlier != nullptr ? Intern(*facts.earlier) : kNoSite});
}

SiteId LockOrderChecker::SiteIdOf(ThreadLockState& thread, const Site& site) {
  const std::uint64_t hash = SiteHash(site);
  auto known = thread.site_ids.find(hash);
  if (known != thread.site_ids.end()) return known->second;
  SiteId id = kNoSite;
  {
    SpinlockHolder hold(mu_);
    EnsureRegistered(thread);
    id = Intern(site);
  }
  thread.site_ids.emplace(hash, id);
  return id;
}

void LockOrderChecker::ReportWaitCycle(ThreadLockState& thread, bool livelock,
                                       const WaitCycleStep* steps, int count) {
  SpinlockHolder hold(mu_);
  EnsureRegistered(thread);
  WaitCycleRecord record;
  record.livelock = livelock;
  for (int i = 0; i < count; ++i) {
    WaitCycleRecord::Step step;
    step.thread = steps[i].thread;
    if (steps[i].lock != nullptr) {
      Declare(*steps[i].lock);
      step.lock = steps[i].lock->id;
    }
    step.how = steps[i].how;
    if (steps[i].waiting_site != nullptr) step.waiting_site = Intern(*steps[i].waiting_site);
    if (steps[i].held_site != nullptr) step.held_site = Intern(*steps[i].held_site);
    record.steps.push_back(step);
  }
  sink_->OnWaitCycle(record);
}

bool LockOrderChecker::ReleaseForWait(ThreadLockState& thread, std::uintptr_t address,
                                      const Site& site) {
  for (const Held& held : thread.held) {
    if (held.address == address) {
      ReleaseIfHeld(thread, address);
      return true;
    }
  }
  ReportMisuse(thread, *Lookup(thread, address, LockKind::kMutex, site), site,
               /*waiting=*/true);
  return false;
}

void LockOrderChecker::ReportMisuse(ThreadLockState& thread, const LockInfo& lock, const Site& site,
                                    bool waiting) {
  if (!HolderIsKnown(lock.kind)) return;  // who holds it, and so whether this is misuse, unknown
  const std::int64_t holder = holder_(lock.address, lock.kind);
  // Held by this very thread, says the lock: taken where the hooks could
  // not see it (before checking began), so no misuse.
  if (holder != 0 && holder == thread.os_tid) return;
  // The unlock goes ahead, so whoever held it holds it no longer: every
  // thread checks its holds against the locks' state from now on.
  if (!waiting) foreign_unlock_seen_.store(true, std::memory_order_relaxed);
  // Once per lock and site: a broken hand-off repeats on every message.
  const std::uint64_t key = Mix(SiteHash(site), lock.id);
  if (!thread.reported_once.insert(key).second) return;
  SpinlockHolder hold(mu_);
  EnsureRegistered(thread);
  std::uint32_t owner = 0;  // 0 also when the holder never used the hooks
  if (holder != 0) {
    auto found = thread_by_os_tid_.find(holder);
    if (found != thread_by_os_tid_.end()) owner = found->second;
  }
  Declare(lock);
  MisuseKind kind = holder != 0 ? MisuseKind::kUnlockNotOwner : MisuseKind::kUnlockUnlocked;
  if (waiting) kind = MisuseKind::kWaitNotHeld;
  sink_->OnMisuse(MisuseRecord{thread.thread, lock.id, Intern(site), kind, owner});
}

bool LockOrderChecker::TryFlushRecords(bool write_through) {
  for (int attempt = 0; attempt < 4096; ++attempt) {
    if (mu_.TryLock()) {
      if (write_through) sink_->WriteThrough();
      sink_->Flush();
      mu_.Unlock();
      return true;
    }
    sched_yield();
  }
  return false;
}

std::size_t LockOrderChecker::graph_node_count() const {
  SpinlockHolder hold(mu_);
  return graph_.lock_count();
}

std::size_t LockOrderChecker::edge_count() const {
  SpinlockHolder hold(mu_);
  return graph_.edge_count();
}

}  // namespace racelab::lockorder
