// The lock-order checker (see checker.h).
#include "harness/lockorder/checker.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace racelab::lockorder {
namespace {

std::uint64_t ChainOf(const HeldList& held) {
  return held.empty() ? 0 : held.back().chain;
}

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

LockInfo* LockOrderChecker::Lookup(ThreadLockState& thread, std::uintptr_t address, LockKind kind,
                                   const Site& site) {
  ThreadLockState::CachedLock& cached =
      thread.lock_cache[AddressSlot(address, thread.lock_cache.size())];
  if (cached.address == address && cached.lock != nullptr &&
      !cached.lock->retired.load(std::memory_order_relaxed)) {
    return cached.lock;
  }
  LockInfo* lock = LookupSlow(thread, address, kind, site);
  cached = {address, lock};
  return lock;
}

LockInfo* LockOrderChecker::LookupSlow(ThreadLockState& thread, std::uintptr_t address,
                                       LockKind kind, const Site& site) {
  SpinlockHolder hold(mu_);
  EnsureRegistered(thread);
  auto found = by_address_.find(address);
  if (found != by_address_.end()) return found->second;
  LockInfo& lock = locks_.emplace_back();
  lock.id = NewLockId();
  lock.kind = kind;
  lock.address = address;
  lock.first_site = Intern(site);
  by_address_.emplace(address, &lock);
  lock_pages_[(address >> kPageShift) & (kPageSlots - 1)].fetch_add(1, std::memory_order_relaxed);
  return &lock;
}

LockId LockOrderChecker::GraphNode(const LockInfo& lock) {
  if (lock.node == LockInfo::kNoNode) {
    lock.node = graph_.AddLock();
    lock_of_node_.push_back(&lock);
  }
  return lock.node;
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
  std::vector<SiteId>& same_hash = site_index_[SiteHash(site)];
  for (SiteId id : same_hash) {
    const Site& known = sites_[id];
    if (known.depth == site.depth &&
        std::equal(known.pcs, known.pcs + known.depth, site.pcs)) {
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
  thread.validated_chains.insert(chain);
  thread.chain_cache[chain & (thread.chain_cache.size() - 1)] = chain;
}

void LockOrderChecker::Rechain(ThreadLockState& thread, std::size_t from) {
  for (std::size_t i = from; i < thread.held.size(); ++i) {
    Held& held = thread.held[i];
    held.chain = held.lock == nullptr
                     ? kUnresolvedChain
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
  // A lock this thread took exclusively but another thread then unlocked
  // (mutex misuse, reported then) is no longer held by anyone.
  for (size_t i = 0; i < thread.held.size(); ++i) {
    const Held& held = thread.held[i];
    if (held.shared || holder_(held.address, held.kind) == thread.os_tid) continue;
    thread.held.erase(thread.held.begin() + i);
    Rechain(thread, i);
    --i;
  }
}

LockInfo* LockOrderChecker::BeforeBlockingAcquire(ThreadLockState& thread, std::uintptr_t address,
                                                  LockKind kind, bool shared, const Site& site) {
  DropStaleHolds(thread);
  // Alone: no edge, no self-deadlock, nothing to look up.
  if (thread.held.empty()) return CachedLock(thread, address);
  ResolveHeld(thread);  // first: ids follow the order locks were taken in
  LockInfo* lock = Lookup(thread, address, kind, site);
  if (const Held* held = FindHeld(thread, address)) {
    const bool recursive_relock = lock->kind == LockKind::kRecursiveMutex;
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
  std::vector<LockId> held_ids;
  held_ids.reserve(thread.held.size());
  for (const Held& held : thread.held) held_ids.push_back(held.lock->id);

  SpinlockHolder hold(mu_);
  EnsureRegistered(thread);
  const SiteId requested_site = Intern(site);
  for (const Held& held : thread.held) Declare(*held.lock);  // named by every edge's held set
  Declare(lock);
  // As lockdep: an edge from each held lock down to and including the most
  // recent one taken by a blocking call; edges into that one already cover
  // the locks below it. Locks taken by try/timed calls have no edges into
  // them, so they do not cover anything and the walk goes past them.
  // The graph speaks in nodes; witnesses' held sets and records, in lock ids.
  const LockId to_node = GraphNode(lock);
  for (auto it = thread.held.rbegin(); it != thread.held.rend(); ++it) {
    const LockId from_node = GraphNode(*it->lock);
    EdgeWitness witness{thread.thread, Intern(it->site), requested_site, held_ids};
    LockGraph::AddResult added = graph_.AddEdge(from_node, to_node, std::move(witness));
    if (added.added == LockGraph::Added::kAdded ||
        added.added == LockGraph::Added::kClosesCycle) {
      sink_->OnEdge(Edge{it->lock->id, lock.id, graph_.FindEdge(from_node, to_node)->witness});
    }
    if (added.added == LockGraph::Added::kClosesCycle) {
      std::vector<LockId> cycle;
      for (LockId node : added.cycle) cycle.push_back(lock_of_node_[node]->id);
      // Guarded when one lock outside the cycle was held across every edge.
      std::vector<LockId> gates;
      const Edge* first = graph_.FindEdge(added.cycle[0], added.cycle[1]);
      for (LockId candidate : first->witness.held) {
        if (std::find(cycle.begin(), cycle.end(), candidate) != cycle.end()) continue;
        bool everywhere = true;
        for (size_t i = 1; i + 1 < added.cycle.size() && everywhere; ++i) {
          const Edge* edge = graph_.FindEdge(added.cycle[i], added.cycle[i + 1]);
          everywhere = std::find(edge->witness.held.begin(), edge->witness.held.end(),
                                 candidate) != edge->witness.held.end();
        }
        if (everywhere) gates.push_back(candidate);
      }
      sink_->OnInversion(InversionRecord{thread.thread, cycle, gates});
      if (abort_on_inversion_ && gates.empty()) std::abort();  // the record is already written
    }
    if (it->blocking) break;
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
    if (it->address == address && (it->kind == LockKind::kRecursiveMutex || it->shared)) {
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

void LockOrderChecker::ReportFailedRelock(ThreadLockState& thread, std::uintptr_t address,
                                          LockKind kind, const Site& site) {
  LockInfo* lock = Lookup(thread, address, kind, site);
  if (!thread.reported_once.insert(Mix(SiteHash(site), ~std::uint64_t{lock->id} - 1)).second) return;
  SpinlockHolder hold(mu_);
  EnsureRegistered(thread);
  Declare(*lock);
  sink_->OnMisuse(MisuseRecord{thread.thread, lock->id, Intern(site), MisuseKind::kRelockFailed,
                               thread.thread});
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

void LockOrderChecker::ReportMisuse(ThreadLockState& thread, const LockInfo& lock,
                                    const Site& site, bool waiting) {
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

void LockOrderChecker::Forget(std::uintptr_t address) {
  SpinlockHolder hold(mu_);
  auto found = by_address_.find(address);
  if (found != by_address_.end()) Retire(found);
}

void LockOrderChecker::ForgetRange(std::uintptr_t begin, std::uintptr_t end) {
  SpinlockHolder hold(mu_);
  auto it = by_address_.lower_bound(begin);
  while (it != by_address_.end() && it->first < end) Retire(it++);
}

void LockOrderChecker::Retire(std::map<std::uintptr_t, LockInfo*>::iterator found) {
  found->second->retired.store(true, std::memory_order_relaxed);
  lock_pages_[(found->first >> kPageShift) & (kPageSlots - 1)].fetch_sub(
      1, std::memory_order_relaxed);
  by_address_.erase(found);
}

std::size_t LockOrderChecker::lock_count() const {
  SpinlockHolder hold(mu_);
  return locks_.size();
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
