// The checker's lock table (see checker.h): finding a lock's LockInfo by
// address (sharded by page, each shard with its own spinlock, so creating
// locks never takes the checker's lock), and forgetting locks that were
// destroyed or freed: out of their shard, and out of the graph with their
// edges once the orders they carried are kept (KeepCoveredEdges).
#include <algorithm>
#include <vector>

#include "harness/lockorder/checker.h"

namespace racelab::lockorder {

LockInfo* LockOrderChecker::Lookup(ThreadLockState& thread, std::uintptr_t address, LockKind kind,
                                   const Site& site) {
  ThreadLockState::CachedLock& cached =
      thread.lock_cache[AddressSlot(address, thread.lock_cache.size())];
  if (LockInfo* lock = CachedLock(thread, address)) return lock;
  LockInfo* lock = LookupSlow(thread, address, kind, site);
  cached = {address, lock};
  return lock;
}

LockInfo* LockOrderChecker::LookupSlow(ThreadLockState& thread, std::uintptr_t address,
                                       LockKind kind, const Site& site) {
  LockShard& shard = shards_[ShardOf(address)];
  {
    SpinlockHolder hold(shard.mu);
    auto found = shard.by_address.find(address);
    if (found != shard.by_address.end()) return found->second;
  }
  // Interned outside the shard's lock (it may take the checker's); the
  // thread is numbered first, as every record names it.
  if (thread.thread == 0) RegisterThread(thread);
  const SiteId first_site = SiteIdOf(thread, site);
  SpinlockHolder hold(shard.mu);
  auto [found, inserted] = shard.by_address.emplace(address, nullptr);
  if (!inserted) return found->second;  // another thread created it meanwhile
  LockInfo* reused = nullptr;
  if (!shard.free.empty()) {
    reused = shard.free.back();
    shard.free.pop_back();
  }
  LockInfo& lock = reused != nullptr ? *reused : shard.locks.emplace_back();
  lock.id.store(NewLockId(), std::memory_order_relaxed);
  lock.kind.store(kind, std::memory_order_relaxed);
  lock.address.store(address, std::memory_order_relaxed);
  lock.first_site.store(first_site, std::memory_order_relaxed);
  lock.node.store(LockInfo::kNoNode, std::memory_order_relaxed);
  lock.declared.store(LockInfo::kUndeclared, std::memory_order_relaxed);
  lock.retired.store(false, std::memory_order_release);
  found->second = &lock;
  page_filter_.Add(address);
  return &lock;
}

void LockOrderChecker::KeepCoveredEdges(const LockInfo& lock) {
  // Lockdep's walk records H → L only from the newest held lock: a lock P
  // held below it is covered by the path P → lock → L. Each thread that held
  // P when it requested L (P is in that edge's held set) showed P before L
  // itself, so P → L is recorded now, with that thread's witness (P's site
  // from its own P → lock edge, when it is the same thread). Orders that
  // only pass through `lock` across threads end with it: no deadlock can
  // go through a lock that is gone.
  const LockId node = lock.node.load(std::memory_order_relaxed);
  std::vector<LockId> predecessors;
  bool predecessors_read = false;
  for (LockId successor : graph_.Successors(node)) {
    const EdgeFacts facts = edge_facts_[*graph_.FindEdge(node, successor)];
    // Held alone (most edges): nothing below it to keep.
    if (facts.held == kNoHeldSet || held_sets_[facts.held].parent == kNoHeldSet) continue;
    if (!predecessors_read) {
      predecessors = graph_.Predecessors(node);
      predecessors_read = true;
    }
    for (LockId predecessor : predecessors) {
      const LockInfo& from = *lock_of_node_[predecessor];
      if (predecessor == successor || !InHeldSet(facts.held, from.id) ||
          graph_.FindEdge(predecessor, successor) != nullptr) {
        continue;
      }
      const EdgeFacts& into_lock = edge_facts_[*graph_.FindEdge(predecessor, node)];
      // The sets without `lock`, when it is the newest lock of them (as
      // when it was taken by a blocking call).
      const auto without_lock = [&](HeldSetId set) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return set != kNoHeldSet && held_sets_[set].lock == lock.id ? held_sets_[set].parent : set;
      };
      RecordEdge(
          from, *lock_of_node_[successor],
          EdgeFacts{facts.thread, into_lock.thread == facts.thread ? into_lock.held_site : kNoSite,
                    facts.requested_site, without_lock(facts.held), without_lock(facts.guard)});
    }
  }
}

void LockOrderChecker::Forget(std::uintptr_t address) {
  if (!MayHoldLocks(address, address + 1)) return;  // lock-free for locks never resolved
  ForgetRange(address, address + 1);
}

void LockOrderChecker::ForgetRange(std::uintptr_t begin, std::uintptr_t end) {
  if (end <= begin) return;
  std::vector<LockInfo*> in_graph;
  const std::uintptr_t first_page = begin >> kPageShift, last_page = (end - 1) >> kPageShift;
  // Each shard holds every kShards-th page: a block spanning fewer pages
  // meets only its own shards.
  const std::size_t shards =
      last_page - first_page + 1 < kShards ? last_page - first_page + 1 : kShards;
  for (std::size_t i = 0; i < shards; ++i) {
    LockShard& shard = shards_[(first_page + i) % kShards];
    SpinlockHolder hold(shard.mu);
    auto it = shard.by_address.lower_bound(begin);
    while (it != shard.by_address.end() && it->first < end) {
      LockInfo* lock = it->second;
      it =
          Retire(shard, it);  // a btree's erase moves its other entries: go on from what it returns
      // Read without the checker's lock, which gives nodes (RemoveFromGraph
      // looks again under it). A lock destroyed while another thread records
      // an edge into it, the program's own race, may keep a node it gets then.
      if (lock->node.load(std::memory_order_relaxed) != LockInfo::kNoNode) {
        in_graph.push_back(lock);
      } else {
        shard.free.push_back(lock);
      }
    }
  }
  if (in_graph.empty()) return;
  RemoveFromGraph(in_graph);
  // Reusable once the graph no longer names them.
  for (LockInfo* lock : in_graph) {
    LockShard& shard = shards_[ShardOf(lock->address.load(std::memory_order_relaxed))];
    SpinlockHolder hold(shard.mu);
    shard.free.push_back(lock);
  }
}

LockOrderChecker::ByAddress::iterator LockOrderChecker::Retire(LockShard& shard,
                                                               ByAddress::iterator found) {
  LockInfo& lock = *found->second;
  lock.retired.store(true, std::memory_order_relaxed);
  page_filter_.Remove(found->first);
  return shard.by_address.erase(found);
}

void LockOrderChecker::RemoveFromGraph(const std::vector<LockInfo*>& retired) {
  SpinlockHolder hold(mu_);
  for (LockInfo* lock : retired) {
    const LockId node = lock->node.load(std::memory_order_relaxed);
    if (node == LockInfo::kNoNode) continue;
    // Its edges leave the graph with it (the records of the cycles they
    // closed are written already); its node goes to the next lock that
    // needs one.
    KeepCoveredEdges(*lock);
    graph_.RemoveLock(node, free_edge_facts_);  // their facts' slots are free
    lock_of_node_[node] = nullptr;
    lock->node.store(LockInfo::kNoNode, std::memory_order_relaxed);
  }
}

std::size_t LockOrderChecker::lock_count() const {
  std::size_t count = 0;
  for (const LockShard& shard : shards_) {
    SpinlockHolder hold(shard.mu);
    count += shard.locks.size();
  }
  return count;
}

}  // namespace racelab::lockorder
