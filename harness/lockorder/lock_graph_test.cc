// Tests for LockGraph: a few cases by hand, then many random operations on a
// few locks checked against a naive model (edge sets and a breadth-first
// reachability search), as Abseil tests GraphCycles; the graph's own
// invariants (ranks, mirrored edge lists) are checked after every step.
#include "harness/lockorder/lock_graph.h"

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab::lockorder {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;

TEST(LockGraphTest, AnEdgeAgainstTheOrderIsAddedAfterAReorder) {
  LockGraph graph;
  const LockId a = graph.AddLock(), b = graph.AddLock(), c = graph.AddLock();
  EXPECT_EQ(graph.AddEdge(c, b, 1).added, LockGraph::Added::kAdded);
  EXPECT_EQ(graph.AddEdge(b, a, 2).added, LockGraph::Added::kAdded);
  EXPECT_TRUE(graph.CheckInvariants());
  EXPECT_EQ(graph.AddEdge(b, a, 3).added, LockGraph::Added::kAlreadyKnown);
  EXPECT_EQ(*graph.FindEdge(b, a), 2u);  // the first payload stays
}

TEST(LockGraphTest, AnEdgeClosingACycleIsReportedWithItAndKeptAside) {
  LockGraph graph;
  const LockId a = graph.AddLock(), b = graph.AddLock(), c = graph.AddLock();
  graph.AddEdge(a, b, 1);
  graph.AddEdge(b, c, 2);
  const LockGraph::AddResult closing = graph.AddEdge(c, a, 3);
  EXPECT_EQ(closing.added, LockGraph::Added::kClosesCycle);
  EXPECT_THAT(closing.cycle, ElementsAre(c, a, b, c));
  EXPECT_EQ(graph.AddEdge(c, a, 4).added, LockGraph::Added::kAlreadyKnown);
  EXPECT_THAT(graph.Successors(c), ElementsAre(a));
  EXPECT_TRUE(graph.CheckInvariants());
}

TEST(LockGraphTest, ARemovedLockTakesItsEdgesAndItsIdIsReused) {
  LockGraph graph;
  const LockId a = graph.AddLock(), b = graph.AddLock(), c = graph.AddLock();
  graph.AddEdge(a, b, 1);
  graph.AddEdge(b, c, 2);
  graph.AddEdge(c, a, 3);  // aside
  ArenaVector<std::uint32_t> payloads;
  graph.RemoveLock(b, payloads);
  EXPECT_THAT(payloads, UnorderedElementsAreArray({1u, 2u}));
  EXPECT_EQ(graph.lock_count(), 2u);
  EXPECT_EQ(graph.edge_count(), 1u);
  EXPECT_EQ(graph.AddLock(), b);
  EXPECT_EQ(graph.FindEdge(a, b), nullptr);
  EXPECT_TRUE(graph.CheckInvariants());
}

// What the graph should say, computed the slow way.
class NaiveGraph {
 public:
  void Add(LockId lock) { live_.insert(lock); }
  bool IsLive(LockId lock) const { return live_.count(lock) != 0; }
  const std::set<LockId>& live() const { return live_; }

  // The payloads of the edges that go with `lock`.
  std::vector<std::uint32_t> Remove(LockId lock) {
    live_.erase(lock);
    std::vector<std::uint32_t> payloads;
    for (auto* edges : {&ordered_, &aside_}) {
      for (auto it = edges->begin(); it != edges->end();) {
        if (it->first.first == lock || it->first.second == lock) {
          payloads.push_back(it->second);
          it = edges->erase(it);
        } else {
          ++it;
        }
      }
    }
    return payloads;
  }

  bool Known(LockId from, LockId to) const {
    return ordered_.count({from, to}) != 0 || aside_.count({from, to}) != 0;
  }
  const std::uint32_t* Payload(LockId from, LockId to) const {
    for (auto* edges : {&ordered_, &aside_}) {
      auto found = edges->find({from, to});
      if (found != edges->end()) return &found->second;
    }
    return nullptr;
  }
  // Whether `to` reaches `from` over the edges kept in order (those that
  // closed a cycle are not part of the order).
  bool Reaches(LockId start, LockId target) const {
    std::set<LockId> seen{start};
    std::deque<LockId> queue{start};
    while (!queue.empty()) {
      const LockId node = queue.front();
      queue.pop_front();
      if (node == target) return true;
      for (const auto& [edge, payload] : ordered_) {
        if (edge.first == node && seen.insert(edge.second).second) queue.push_back(edge.second);
      }
    }
    return false;
  }
  void AddOrdered(LockId from, LockId to, std::uint32_t payload) { ordered_[{from, to}] = payload; }
  void AddAside(LockId from, LockId to, std::uint32_t payload) { aside_[{from, to}] = payload; }

  std::vector<LockId> Successors(LockId lock) const { return Ends(lock, true); }
  std::vector<LockId> Predecessors(LockId lock) const { return Ends(lock, false); }
  std::size_t edge_count() const { return ordered_.size() + aside_.size(); }

 private:
  std::vector<LockId> Ends(LockId lock, bool out) const {
    std::vector<LockId> ends;
    for (auto* edges : {&ordered_, &aside_}) {
      for (const auto& [edge, payload] : *edges) {
        if ((out ? edge.first : edge.second) == lock)
          ends.push_back(out ? edge.second : edge.first);
      }
    }
    return ends;
  }

  std::set<LockId> live_;
  std::map<std::pair<LockId, LockId>, std::uint32_t> ordered_, aside_;
};

// A cycle from AddEdge(from, to): from → to → ... → from, each step after
// the first an edge the model keeps in order.
void ExpectCycleThroughOrderedEdges(const NaiveGraph& model, const std::vector<LockId>& cycle,
                                    LockId from, LockId to) {
  ASSERT_GE(cycle.size(), 3u);
  EXPECT_EQ(cycle[0], from);
  EXPECT_EQ(cycle[1], to);
  EXPECT_EQ(cycle.back(), from);
  for (std::size_t i = 1; i + 1 < cycle.size(); ++i) {
    EXPECT_NE(model.Payload(cycle[i], cycle[i + 1]), nullptr)
        << "step " << cycle[i] << " -> " << cycle[i + 1] << " is no edge";
  }
}

TEST(LockGraphTest, RandomOperationsAgreeWithANaiveModel) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    std::mt19937 random(seed);
    LockGraph graph;
    NaiveGraph model;
    std::uint32_t next_payload = 0;
    int cycles = 0, added = 0, removed = 0;
    for (int step = 0; step < 3000; ++step) {
      const int operation = std::uniform_int_distribution<int>(0, 99)(random);
      std::vector<LockId> live(model.live().begin(), model.live().end());
      if (live.size() < 2 || (operation < 8 && live.size() < 12)) {
        const LockId lock = graph.AddLock();
        ASSERT_FALSE(model.IsLive(lock)) << "id " << lock << " handed out twice";
        model.Add(lock);
      } else if (operation < 14) {
        const LockId lock = live[random() % live.size()];
        ArenaVector<std::uint32_t> payloads;
        graph.RemoveLock(lock, payloads);
        EXPECT_THAT(payloads, UnorderedElementsAreArray(model.Remove(lock)));
        ++removed;
      } else {
        const LockId from = live[random() % live.size()];
        LockId to = live[random() % live.size()];
        if (to == from) continue;
        const std::uint32_t payload = next_payload++;
        const bool known = model.Known(from, to);
        const bool closes = !known && model.Reaches(to, from);
        const LockGraph::AddResult result = graph.AddEdge(from, to, payload);
        if (known) {
          EXPECT_EQ(result.added, LockGraph::Added::kAlreadyKnown);
        } else if (closes) {
          ASSERT_EQ(result.added, LockGraph::Added::kClosesCycle) << from << " -> " << to;
          ExpectCycleThroughOrderedEdges(model, result.cycle, from, to);
          model.AddAside(from, to, payload);
          ++cycles;
        } else {
          ASSERT_EQ(result.added, LockGraph::Added::kAdded) << from << " -> " << to;
          model.AddOrdered(from, to, payload);
          ++added;
        }
      }
      ASSERT_TRUE(graph.CheckInvariants()) << "after step " << step;
      ASSERT_EQ(graph.lock_count(), model.live().size());
      ASSERT_EQ(graph.edge_count(), model.edge_count());
    }
    // Everything the model knows, the graph knows the same way.
    for (LockId from : model.live()) {
      EXPECT_THAT(graph.Successors(from), UnorderedElementsAreArray(model.Successors(from)));
      EXPECT_THAT(graph.Predecessors(from), UnorderedElementsAreArray(model.Predecessors(from)));
      for (LockId to : model.live()) {
        const std::uint32_t* expected = model.Payload(from, to);
        const std::uint32_t* actual = graph.FindEdge(from, to);
        ASSERT_EQ(actual == nullptr, expected == nullptr) << from << " -> " << to;
        if (actual != nullptr) {
          EXPECT_EQ(*actual, *expected);
        }
      }
    }
    // The walk exercised what it is for.
    EXPECT_GT(cycles, 10);
    EXPECT_GT(added, 100);
    EXPECT_GT(removed, 50);
  }
}

}  // namespace
}  // namespace racelab::lockorder
