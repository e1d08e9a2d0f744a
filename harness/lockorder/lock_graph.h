// The lock-order graph: locks are nodes, "H was held while L was requested"
// is an edge H → L, carrying a number the caller gives it (where the caller
// keeps the edge's witness). Adding an edge that would
// close a cycle reports the cycle instead of adding it, so the graph stays
// acyclic and every new edge is checked incrementally (Pearce–Kelly dynamic
// topological order, as in Abseil's GraphCycles): an edge that agrees with
// the current order costs a hash lookup, one that does not searches only the
// nodes whose rank lies between its ends. No limit on nodes, edges or cycle
// length. A lock removed (destroyed or freed) takes its edges with it, and
// its node id is given to the next new lock, so the graph's size follows the
// locks alive.
//
// A plain data structure: it uses no internal locking; calls into it must be
// serialized externally (LockOrderChecker does).
#ifndef RACELAB_HARNESS_LOCKORDER_LOCK_GRAPH_H_
#define RACELAB_HARNESS_LOCKORDER_LOCK_GRAPH_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "harness/lockorder/arena.h"
#include "harness/lockorder/records.h"

namespace racelab::lockorder {

class LockGraph {
 public:
  enum class Added {
    kAlreadyKnown,  // the edge (or its reverse-closing attempt) was seen before
    kAdded,         // new edge, no cycle
    kClosesCycle,   // new edge that would close a cycle: kept aside, see `cycle`
  };
  struct AddResult {
    Added added = Added::kAlreadyKnown;
    // For kClosesCycle: the cycle as locks, starting and ending at `from`
    // (from → to → ... → from), and its edges in the same order.
    std::vector<LockId> cycle;
    // For kAlreadyKnown: the known edge's payload.
    std::uint32_t known_payload = 0;
  };

  // Room for `locks` nodes and `edges` edges in all, allocated at once (a
  // graph built from a record file knows both: grown by doubling, a million
  // nodes were copied twenty times into freshly mapped memory).
  void Reserve(std::size_t locks, std::size_t edges);
  // Returns a new node (perhaps the id of a removed one).
  LockId AddLock();
  // Removes `lock` and every edge into or out of it; appends their payloads
  // to `payloads`.
  void RemoveLock(LockId lock, ArenaVector<std::uint32_t>& payloads);
  std::size_t lock_count() const { return nodes_.size() - free_nodes_.size(); }
  // The ends of every edge out of `lock`, those that closed a cycle included.
  std::vector<LockId> Successors(LockId lock) const;
  std::size_t edge_count() const { return edges_.size(); }

  // Records from → to with `payload`, unless the edge is known (its payload
  // stays). `from` and `to` must be existing, distinct locks.
  AddResult AddEdge(LockId from, LockId to, std::uint32_t payload);

  // The edge's payload, when the edge was recorded (including edges that
  // closed a cycle) and neither end was removed since.
  const std::uint32_t* FindEdge(LockId from, LockId to) const;

  // The other ends of every edge into `lock`, those that closed a cycle
  // included.
  std::vector<LockId> Predecessors(LockId lock) const;

  // For tests (as Abseil's GraphCycles::CheckInvariants): every edge of the
  // acyclic part goes from a lower rank to a higher one, no two live locks
  // share a rank, each edge is listed at both ends and in the edge table
  // (which holds nothing else), removed locks have no edges, and no search
  // left a node marked. Linear in the graph.
  bool CheckInvariants() const;

 private:
  struct Node {
    std::int64_t rank = 0;
    ArenaVector<LockId> out;  // edges kept in the acyclic order
    ArenaVector<LockId> in;
    ArenaVector<LockId> aside_out;  // edges that closed a cycle, kept out of the order
    ArenaVector<LockId> aside_in;
    bool visited = false;  // scratch for searches
  };
  static std::uint64_t Key(LockId from, LockId to) { return (std::uint64_t{from} << 32) | to; }
  // Depth-first from `start` over out-edges, visiting nodes ranked below
  // `upper`; returns true (and fills parent_) when `target` is reached.
  bool ForwardSearch(LockId start, LockId target, std::int64_t upper);
  void BackwardSearch(LockId start, std::int64_t lower);
  void Reorder();
  void ClearVisited();

  ArenaVector<Node> nodes_;
  ArenaVector<LockId> free_nodes_;                    // removed, for AddLock to reuse
  ArenaHashMap<std::uint64_t, std::uint32_t> edges_;  // Key → payload
  std::int64_t next_rank_ = 0;
  // Scratch space for one AddEdge.
  ArenaVector<LockId> forward_, backward_, stack_;
  ArenaVector<LockId> parent_;  // parent_[n]: the node the forward search reached n from
};

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_LOCK_GRAPH_H_
