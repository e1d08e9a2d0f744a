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

LockId LockGraph::AddLock() {
  const LockId id = static_cast<LockId>(nodes_.size());
  nodes_.emplace_back();
  nodes_.back().rank = next_rank_++;
  parent_.push_back(id);
  return id;
}

const Edge* LockGraph::FindEdge(LockId from, LockId to) const {
  auto found = edge_index_.find(Key(from, to));
  return found == edge_index_.end() ? nullptr : &edges_[found->second];
}

LockGraph::AddResult LockGraph::AddEdge(LockId from, LockId to, EdgeWitness witness) {
  if (from == to || from >= nodes_.size() || to >= nodes_.size()) std::abort();  // caller's bug
  AddResult result;
  if (edge_index_.count(Key(from, to)) != 0) return result;  // kAlreadyKnown
  edge_index_.emplace(Key(from, to), edges_.size());
  edges_.push_back(Edge{from, to, std::move(witness)});

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

}  // namespace racelab::lockorder
