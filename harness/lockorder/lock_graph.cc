// The lock-order graph (see lock_graph.h). Pearce–Kelly: every node has a
// rank; edges in the acyclic part always go from lower to higher rank. An
// edge x → y with rank(x) > rank(y) triggers a forward search from y over
// nodes ranked at most rank(x) (reaching x means a cycle) and a backward
// search from x over nodes ranked at least rank(y); the two visited sets then
// swap into a consistent order using their own ranks.
#include "harness/lockorder/lock_graph.h"

#include <algorithm>
#include <cstdlib>

namespace racelab::lockorder {

namespace {

void EraseOne(ArenaVector<LockId>& nodes, LockId node) {
  auto found = std::find(nodes.begin(), nodes.end(), node);
  if (found == nodes.end()) return;
  *found = nodes.back();  // the order of a node's edges does not matter
  nodes.pop_back();
}

}  // namespace

void LockGraph::Reserve(std::size_t locks, std::size_t edges) {
  nodes_.reserve(locks);
  parent_.reserve(locks);
  edges_.reserve(edges);
}

LockId LockGraph::AddLock() {
  if (!free_nodes_.empty()) {
    const LockId id = free_nodes_.back();
    free_nodes_.pop_back();
    nodes_[id].rank = next_rank_++;
    return id;
  }
  const LockId id = static_cast<LockId>(nodes_.size());
  nodes_.emplace_back();
  nodes_.back().rank = next_rank_++;
  parent_.push_back(id);
  return id;
}

void LockGraph::RemoveLock(LockId lock, ArenaVector<std::uint32_t>& payloads) {
  Node& node = nodes_[lock];
  const auto erase = [&](LockId from, LockId to) {
    auto found = edges_.find(Key(from, to));
    payloads.push_back(found->second);
    edges_.erase(found);
  };
  for (LockId to : node.out) EraseOne(nodes_[to].in, lock), erase(lock, to);
  for (LockId from : node.in) EraseOne(nodes_[from].out, lock), erase(from, lock);
  for (LockId to : node.aside_out) EraseOne(nodes_[to].aside_in, lock), erase(lock, to);
  for (LockId from : node.aside_in) EraseOne(nodes_[from].aside_out, lock), erase(from, lock);
  // swap, not clear: a lock with many edges would keep their memory
  ArenaVector<LockId>().swap(node.out);
  ArenaVector<LockId>().swap(node.in);
  ArenaVector<LockId>().swap(node.aside_out);
  ArenaVector<LockId>().swap(node.aside_in);
  free_nodes_.push_back(lock);
}

std::vector<LockId> LockGraph::Successors(LockId lock) const {
  std::vector<LockId> successors(nodes_[lock].out.begin(), nodes_[lock].out.end());
  successors.insert(successors.end(), nodes_[lock].aside_out.begin(), nodes_[lock].aside_out.end());
  return successors;
}

std::vector<LockId> LockGraph::Predecessors(LockId lock) const {
  std::vector<LockId> predecessors(nodes_[lock].in.begin(), nodes_[lock].in.end());
  predecessors.insert(predecessors.end(), nodes_[lock].aside_in.begin(),
                      nodes_[lock].aside_in.end());
  return predecessors;
}

const std::uint32_t* LockGraph::FindEdge(LockId from, LockId to) const {
  auto found = edges_.find(Key(from, to));
  return found == edges_.end() ? nullptr : &found->second;
}

LockGraph::AddResult LockGraph::AddEdge(LockId from, LockId to, std::uint32_t payload) {
  if (from == to || from >= nodes_.size() || to >= nodes_.size()) std::abort();  // caller's bug
  AddResult result;
  auto [known, inserted] = edges_.try_emplace(Key(from, to), payload);
  if (!inserted) {
    result.known_payload = known->second;
    return result;  // kAlreadyKnown
  }

  Node& x = nodes_[from];
  Node& y = nodes_[to];
  if (x.rank < y.rank) {
    x.out.push_back(to);
    y.in.push_back(from);
    result.added = Added::kAdded;
    return result;
  }

  if (ForwardSearch(to, from, x.rank)) {
    // from → to, then the search's path from `to` back round to `from`.
    std::vector<LockId> back_path;
    for (LockId node = from; node != to; node = parent_[node]) back_path.push_back(node);
    result.cycle.push_back(from);
    result.cycle.push_back(to);
    for (auto it = back_path.rbegin(); it != back_path.rend(); ++it) result.cycle.push_back(*it);
    ClearVisited();
    nodes_[from].aside_out.push_back(to);
    nodes_[to].aside_in.push_back(from);
    result.added = Added::kClosesCycle;
    return result;
  }
  BackwardSearch(from, y.rank);
  Reorder();
  ClearVisited();
  nodes_[from].out.push_back(to);
  nodes_[to].in.push_back(from);
  result.added = Added::kAdded;
  return result;
}

bool LockGraph::ForwardSearch(LockId start, LockId target, std::int64_t upper) {
  forward_.clear();
  stack_.clear();
  stack_.push_back(start);
  nodes_[start].visited = true;
  parent_[start] = start;
  forward_.push_back(start);
  while (!stack_.empty()) {
    const LockId node = stack_.back();
    stack_.pop_back();
    for (LockId next : nodes_[node].out) {
      if (next == target) {
        parent_[target] = node;
        return true;
      }
      Node& n = nodes_[next];
      if (!n.visited && n.rank < upper) {
        n.visited = true;
        parent_[next] = node;
        stack_.push_back(next);
        forward_.push_back(next);
      }
    }
  }
  return false;
}

void LockGraph::BackwardSearch(LockId start, std::int64_t lower) {
  backward_.clear();
  stack_.clear();
  stack_.push_back(start);
  nodes_[start].visited = true;
  backward_.push_back(start);
  while (!stack_.empty()) {
    const LockId node = stack_.back();
    stack_.pop_back();
    for (LockId previous : nodes_[node].in) {
      Node& n = nodes_[previous];
      if (!n.visited && n.rank > lower) {
        n.visited = true;
        stack_.push_back(previous);
        backward_.push_back(previous);
      }
    }
  }
}

void LockGraph::Reorder() {
  auto by_rank = [this](LockId a, LockId b) { return nodes_[a].rank < nodes_[b].rank; };
  std::sort(backward_.begin(), backward_.end(), by_rank);
  std::sort(forward_.begin(), forward_.end(), by_rank);
  std::vector<std::int64_t> ranks;
  ranks.reserve(backward_.size() + forward_.size());
  for (LockId node : backward_) ranks.push_back(nodes_[node].rank);
  for (LockId node : forward_) ranks.push_back(nodes_[node].rank);
  std::sort(ranks.begin(), ranks.end());
  size_t next = 0;
  for (LockId node : backward_) nodes_[node].rank = ranks[next++];
  for (LockId node : forward_) nodes_[node].rank = ranks[next++];
}

void LockGraph::ClearVisited() {
  for (LockId node : forward_) nodes_[node].visited = false;
  for (LockId node : backward_) nodes_[node].visited = false;
  forward_.clear();
  backward_.clear();
}

bool LockGraph::CheckInvariants() const {
  std::vector<bool> removed(nodes_.size(), false);
  for (LockId lock : free_nodes_) removed[lock] = true;
  const auto listed = [](const ArenaVector<LockId>& nodes, LockId node) {
    return std::count(nodes.begin(), nodes.end(), node) == 1;
  };
  std::size_t edges = 0;
  absl::flat_hash_map<std::int64_t, LockId> rank_owner;
  for (LockId lock = 0; lock < nodes_.size(); ++lock) {
    const Node& node = nodes_[lock];
    if (node.visited) return false;
    if (removed[lock]) {
      if (!node.out.empty() || !node.in.empty() || !node.aside_out.empty() ||
          !node.aside_in.empty()) {
        return false;
      }
      continue;
    }
    if (!rank_owner.try_emplace(node.rank, lock).second) return false;
    for (LockId to : node.out) {
      if (removed[to] || node.rank >= nodes_[to].rank || !listed(nodes_[to].in, lock) ||
          FindEdge(lock, to) == nullptr) {
        return false;
      }
    }
    for (LockId to : node.aside_out) {
      if (removed[to] || !listed(nodes_[to].aside_in, lock) || FindEdge(lock, to) == nullptr) {
        return false;
      }
    }
    for (LockId from : node.in) {
      if (!listed(nodes_[from].out, lock)) return false;
    }
    for (LockId from : node.aside_in) {
      if (!listed(nodes_[from].aside_out, lock)) return false;
    }
    edges += node.out.size() + node.aside_out.size();
  }
  return edges == edges_.size();
}

}  // namespace racelab::lockorder
