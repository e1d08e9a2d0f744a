// Lock-order analysis across record files (see lockorder_analysis.h).
#include "harness/detectors/lockorder_analysis.h"

#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "harness/detectors/lockorder_findings.h"
#include "harness/lockorder/gate_locks.h"
#include "harness/lockorder/lock_graph.h"

namespace racelab {
namespace {

using lockorder::Edge;
using lockorder::LockGraph;
using lockorder::LockId;
using lockorder::Recording;

std::string ClassKey(const SharedLocation& site) {
  return site ? absl::StrCat(site->file, ":", site->line) : "?";
}

// Whether a class key names a line of the program's own code, so that a
// hint about it says something: not "?" (no frame resolved), not line 0
// (a binary without line information: "node.cc:0" stands for thousands of
// places), not a line of glibc's own sources ("./csu/../sysdeps/x86/
// libc-start.c:58", where every thread's first frames are).
bool NamesProgramCode(absl::string_view key) {
  return key != "?" && !absl::EndsWith(key, ":0") && !absl::StartsWith(key, "./csu/") &&
         !absl::StartsWith(key, "./nptl/") && !absl::StrContains(key, "/sysdeps/");
}

// The locks seen on each side of the edges between one pair of sites.
struct SitePairUse {
  absl::flat_hash_set<std::pair<std::int64_t, LockId>> held_locks, requested_locks;  // (pid, lock)
  bool in_instance_cycle = false;
};

// One recording's sites, symbolised once and held once: a million locks or
// cycle steps at one line share one Location and one class key.
class RecordingSites {
 public:
  RecordingSites(const Recording& recording, const std::string& project_root,
                 Symbolizer& symbolizer)
      : recording_(recording), project_root_(project_root), symbolizer_(symbolizer) {}

  const SharedLocation& Location(lockorder::SiteId site) {
    auto [it, inserted] = located_.try_emplace(site);
    if (inserted) {
      if (std::optional<racelab::Location> location =
              SiteLocation(recording_, site, project_root_, symbolizer_)) {
        it->second = std::make_shared<const racelab::Location>(*std::move(location));
      }
    }
    return it->second;
  }
  // How reports name the lock (a hidden lock by its variable).
  std::string NameOf(lockorder::LockId lock) { return LockName(recording_, lock, symbolizer_); }
  // Node-stable: the class of each lock points in.
  const std::string& ClassKeyOf(lockorder::SiteId site) {
    auto [it, inserted] = keys_.try_emplace(site);
    if (inserted) it->second = ClassKey(Location(site));
    return it->second;
  }

 private:
  const Recording& recording_;
  const std::string& project_root_;
  Symbolizer& symbolizer_;
  absl::flat_hash_map<lockorder::SiteId, SharedLocation> located_;
  std::map<lockorder::SiteId, std::string> keys_;
};

// Builds a LockOrderAnalysis one recording at a time: each process's own
// cycles (its edges replayed into a graph), then the class view across all
// of them (locks grouped by the site that first took them) and the
// data-dependent order hints.
class Analyzer {
 public:
  explicit Analyzer(const std::string& project_root, Symbolizer& symbolizer)
      : project_root_(project_root), symbolizer_(symbolizer) {}

  void Add(const Recording& recording) {
    analysis_.files.push_back(recording.path);
    RecordingSites sites(recording, project_root_, symbolizer_);
    const std::string prefix = absl::StrCat("p", recording.pid, "_");
    absl::flat_hash_map<LockId, const std::string*> class_of = AddLocks(recording, prefix, sites);
    FindInstanceCycles(recording, prefix, sites, class_of);
    // Which locks each pair of sites saw, for the data-dependent order hints.
    for (const Edge& edge : recording.edges) {
      SitePairUse& use = site_pairs_[{sites.ClassKeyOf(edge.witness.held_site),
                                      sites.ClassKeyOf(edge.witness.requested_site)}];
      use.held_locks.insert({recording.pid, edge.from});
      use.requested_locks.insert({recording.pid, edge.to});
    }
    AddClassEdges(recording, class_of);
  }

  LockOrderAnalysis Finish() {
    AddDataDependentHints();
    return std::move(analysis_);
  }

 private:
  // The recording's locks, into the analysis; returns each lock's class
  // (its first site's key).
  absl::flat_hash_map<LockId, const std::string*> AddLocks(const Recording& recording,
                                                           const std::string& prefix,
                                                           RecordingSites& sites) {
    absl::flat_hash_map<LockId, const std::string*> class_of;
    // Reserved, not grown: a doubling vector of a million entries holds two
    // copies for a moment (the report tool's peak memory on 10^6 locks).
    analysis_.locks.reserve(analysis_.locks.size() + recording.locks.size());
    class_of.reserve(recording.locks.size());
    lock_index_.clear();
    lock_index_.reserve(recording.locks.size());
    for (const auto& [id, lock] : recording.locks) {
      lock_index_[id] = static_cast<std::uint32_t>(analysis_.locks.size());
      AnalyzedLock analyzed;
      analyzed.name = LockName(id);
      analyzed.node = prefix + analyzed.name;
      analyzed.first_site = sites.Location(lock.first_site);
      class_of[id] = &sites.ClassKeyOf(lock.first_site);
      analysis_.locks.push_back(std::move(analyzed));
      if (!NamesProgramCode(*class_of[id])) ++analysis_.locks_without_class;
    }
    return class_of;
  }

  // Replays the recording's edges: every edge that closes a cycle is one
  // cycle. The graph's payload is the edge's index in recording.edges
  // (and, from `first_edge`, in analysis_.edges).
  void FindInstanceCycles(const Recording& recording, const std::string& prefix,
                          RecordingSites& sites,
                          const absl::flat_hash_map<LockId, const std::string*>& class_of) {
    LockGraph graph;
    graph.Reserve(recording.locks.size(), recording.edges.size());
    absl::flat_hash_map<LockId, LockId> node_of;
    std::vector<LockId> lock_of;  // graph node → lock
    node_of.reserve(recording.locks.size());
    lock_of.reserve(recording.locks.size());
    auto node = [&](LockId lock) {
      auto [it, inserted] = node_of.try_emplace(lock, 0);
      if (inserted) {
        it->second = graph.AddLock();
        lock_of.push_back(lock);
      }
      return it->second;
    };
    const std::size_t first_edge = analysis_.edges.size();
    analysis_.edges.reserve(analysis_.edges.size() + recording.edges.size());
    for (const Edge& edge : recording.edges) {
      analysis_.edges.push_back({lock_index_.at(edge.from), lock_index_.at(edge.to),
                                 ThreadName(edge.witness.thread), false});
    }
    for (const Edge& edge : recording.edges) {
      LockGraph::AddResult added =
          graph.AddEdge(node(edge.from), node(edge.to),
                        static_cast<std::uint32_t>(&edge - recording.edges.data()));
      if (added.added != LockGraph::Added::kClosesCycle) continue;
      std::vector<LockId> cycle_locks;
      for (LockId at : added.cycle) cycle_locks.push_back(lock_of[at]);
      AnalyzedCycle cycle = CycleOf(recording, prefix, sites, graph, added.cycle, cycle_locks);
      for (size_t i = 0; i + 1 < added.cycle.size(); ++i) {
        const std::uint32_t* index = graph.FindEdge(added.cycle[i], added.cycle[i + 1]);
        if (index != nullptr) analysis_.edges[first_edge + *index].in_cycle = true;
        class_pairs_in_instance_cycles_.insert(
            {*class_of.at(cycle_locks[i]), *class_of.at(cycle_locks[i + 1])});
      }
      for (const CycleStep& step : cycle.steps) {
        site_pairs_[{ClassKey(step.held_site), ClassKey(step.requested_site)}].in_instance_cycle =
            true;
      }
      analysis_.cycles.push_back(std::move(cycle));
    }
  }

  // One cycle the replay closed (`nodes` in the graph, `locks` the same as
  // lock ids): its steps with their witnesses, and its gate locks (held
  // across every step, outside the cycle).
  static AnalyzedCycle CycleOf(const Recording& recording, const std::string& prefix,
                               RecordingSites& sites, const LockGraph& graph,
                               const std::vector<LockId>& nodes, const std::vector<LockId>& locks) {
    AnalyzedCycle cycle;
    cycle.steps.reserve(nodes.size() - 1);
    cycle.file = recording.path;
    cycle.pid = recording.pid;
    std::vector<std::vector<LockId>> held_at_steps;
    for (size_t i = 0; i + 1 < nodes.size(); ++i) {
      const std::uint32_t* index = graph.FindEdge(nodes[i], nodes[i + 1]);
      if (index == nullptr) continue;
      const Edge& edge = recording.edges[*index];
      CycleStep step;
      step.from = sites.NameOf(locks[i]);
      step.to = sites.NameOf(locks[i + 1]);
      step.from_node = prefix + LockName(locks[i]);
      step.to_node = prefix + LockName(locks[i + 1]);
      step.thread = ThreadName(edge.witness.thread);
      step.held_site = sites.Location(edge.witness.held_site);
      step.requested_site = sites.Location(edge.witness.requested_site);
      held_at_steps.push_back(recording.GuardLocks(edge));
      cycle.steps.push_back(std::move(step));
    }
    for (LockId gate : lockorder::GateLocks(held_at_steps, locks)) {
      cycle.gate_locks.push_back(sites.NameOf(gate));
    }
    return cycle;
  }

  // The recording's edges between classes, into the class graph: a cycle
  // there that no process showed among instances is a hint.
  void AddClassEdges(const Recording& recording,
                     const absl::flat_hash_map<LockId, const std::string*>& class_of) {
    for (const Edge& edge : recording.edges) {
      const std::string& from = *class_of.at(edge.from);
      const std::string& to = *class_of.at(edge.to);
      if (from == to) continue;  // two instances of one class: not an order between classes
      if (!NamesProgramCode(from) || !NamesProgramCode(to)) continue;  // no class to speak of
      LockGraph::AddResult added =
          class_graph_.AddEdge(ClassNode(from), ClassNode(to), /*payload=*/0);
      if (added.added != LockGraph::Added::kClosesCycle) continue;
      bool seen_in_one_process = true;
      for (size_t i = 0; i + 1 < added.cycle.size(); ++i) {
        seen_in_one_process &=
            class_pairs_in_instance_cycles_.count(
                {class_names_[added.cycle[i]], class_names_[added.cycle[i + 1]]}) != 0;
      }
      if (seen_in_one_process) continue;
      ClassHint hint;
      for (LockId id : added.cycle) hint.classes.push_back(class_names_[id]);
      analysis_.class_hints.push_back(std::move(hint));
    }
  }

  LockId ClassNode(const std::string& key) {
    auto [it, inserted] = class_ids_.emplace(key, 0);
    if (inserted) {
      it->second = class_graph_.AddLock();
      class_names_.push_back(key);
    }
    return it->second;
  }

  // A pair of sites whose held and requested locks were each more than one
  // lock, never in a cycle: which lock comes first depends on the data.
  void AddDataDependentHints() {
    for (const auto& [sites, use] : site_pairs_) {
      if (use.in_instance_cycle || !NamesProgramCode(sites.first) ||
          !NamesProgramCode(sites.second)) {
        continue;
      }
      if (use.held_locks.size() < 2 || use.requested_locks.size() < 2) continue;
      ClassHint hint;
      hint.kind = ClassHint::Kind::kDataDependentOrder;
      hint.held_site = sites.first;
      hint.requested_site = sites.second;
      hint.held_locks = static_cast<int>(use.held_locks.size());
      hint.requested_locks = static_cast<int>(use.requested_locks.size());
      analysis_.class_hints.push_back(std::move(hint));
    }
  }

  const std::string& project_root_;
  Symbolizer& symbolizer_;
  LockOrderAnalysis analysis_;
  // The current recording's locks: id → index in analysis_.locks.
  absl::flat_hash_map<LockId, std::uint32_t> lock_index_;
  // Class view across every file: class key → class node in one graph.
  LockGraph class_graph_;
  std::map<std::string, LockId> class_ids_;
  std::vector<std::string> class_names_;
  std::set<std::pair<std::string, std::string>> class_pairs_in_instance_cycles_;
  std::map<std::pair<std::string, std::string>, SitePairUse> site_pairs_;  // (held, requested)
};

}  // namespace

absl::StatusOr<LockOrderAnalysis> AnalyzeLockOrder(const std::vector<std::string>& paths,
                                                   const std::string& project_root,
                                                   Symbolizer& symbolizer) {
  std::vector<Recording> recordings;
  for (const std::string& path : paths) {
    absl::StatusOr<Recording> recording = lockorder::ReadRecording(path);
    if (!recording.ok()) return recording.status();
    recordings.push_back(*std::move(recording));
  }
  return AnalyzeRecordings(recordings, project_root, symbolizer);
}

LockOrderAnalysis AnalyzeRecordings(const std::vector<Recording>& recordings,
                                    const std::string& project_root, Symbolizer& symbolizer) {
  Analyzer analyzer(project_root, symbolizer);
  for (const Recording& recording : recordings) analyzer.Add(recording);
  return analyzer.Finish();
}

}  // namespace racelab
