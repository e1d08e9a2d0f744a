// Lock-order analysis across record files (see lockorder_analysis.h).
#include "harness/detectors/lockorder_analysis.h"

#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "harness/detectors/lockorder_findings.h"
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

}  // namespace

int LockOrderAnalysis::UnguardedCycles() const {
  int count = 0;
  for (const AnalyzedCycle& cycle : cycles) count += cycle.gate_locks.empty() ? 1 : 0;
  return count;
}

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
  LockOrderAnalysis analysis;
  for (const Recording& recording : recordings) analysis.files.push_back(recording.path);
  // Class view across every file: class key → class node in one graph.
  LockGraph class_graph;
  std::map<std::string, LockId> class_ids;
  std::vector<std::string> class_names;
  std::set<std::pair<std::string, std::string>> class_pairs_in_instance_cycles;
  std::map<std::pair<std::string, std::string>, SitePairUse> site_pairs;  // (held, requested)

  for (const Recording& recording : recordings) {
    const std::string prefix = absl::StrCat("p", recording.pid, "_");
    // Each site symbolised once, and held once: a million locks or cycle
    // steps at one line share one Location and one class key.
    absl::flat_hash_map<lockorder::SiteId, SharedLocation> located;
    auto located_site = [&](lockorder::SiteId site) -> const SharedLocation& {
      auto [it, inserted] = located.try_emplace(site);
      if (inserted) {
        if (std::optional<Location> location = SiteLocation(recording, site, project_root, symbolizer)) {
          it->second = std::make_shared<const Location>(*std::move(location));
        }
      }
      return it->second;
    };
    std::map<lockorder::SiteId, std::string> site_keys;  // node-stable: class_of points in
    auto site_key = [&](lockorder::SiteId site) -> const std::string& {
      auto [it, inserted] = site_keys.try_emplace(site);
      if (inserted) it->second = ClassKey(located_site(site));
      return it->second;
    };
    absl::flat_hash_map<LockId, const std::string*> class_of;  // lock → its first site's class key
    // Reserved, not grown: a doubling vector of a million entries holds two
    // copies for a moment (the report tool's peak memory on 10^6 locks).
    analysis.locks.reserve(analysis.locks.size() + recording.locks.size());
    analysis.edges.reserve(analysis.edges.size() + recording.edges.size());
    class_of.reserve(recording.locks.size());
    for (const auto& [id, lock] : recording.locks) {
      AnalyzedLock analyzed;
      analyzed.name = absl::StrCat("M", id);
      analyzed.node = prefix + analyzed.name;
      analyzed.first_site = located_site(lock.first_site);
      class_of[id] = &site_key(lock.first_site);
      analysis.locks.push_back(std::move(analyzed));
    }
    // Replay the edges: every edge that closes a cycle is one cycle. The
    // graph's payload is the edge's index in recording.edges (and, from
    // `first_edge`, in analysis.edges).
    LockGraph graph;
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
    const std::size_t first_edge = analysis.edges.size();
    for (const Edge& edge : recording.edges) {
      analysis.edges.push_back({prefix + absl::StrCat("M", edge.from),
                                prefix + absl::StrCat("M", edge.to),
                                ThreadName(edge.witness.thread), false});
    }
    for (const Edge& edge : recording.edges) {
      const LockId from = node(edge.from), to = node(edge.to);
      LockGraph::AddResult added =
          graph.AddEdge(from, to, static_cast<std::uint32_t>(&edge - recording.edges.data()));
      if (added.added != LockGraph::Added::kClosesCycle) continue;
      AnalyzedCycle cycle;
      cycle.steps.reserve(added.cycle.size() - 1);
      cycle.file = recording.path;
      cycle.pid = recording.pid;
      std::set<LockId> gates;
      bool first_step = true;
      for (size_t i = 0; i + 1 < added.cycle.size(); ++i) {
        const LockId a = lock_of[added.cycle[i]], b = lock_of[added.cycle[i + 1]];
        const std::uint32_t* index = graph.FindEdge(added.cycle[i], added.cycle[i + 1]);
        if (index == nullptr) continue;
        const Edge* step_edge = &recording.edges[*index];
        CycleStep step;
        step.from = absl::StrCat("M", a);
        step.to = absl::StrCat("M", b);
        step.from_node = prefix + step.from;
        step.to_node = prefix + step.to;
        step.thread = ThreadName(step_edge->witness.thread);
        step.held_site = located_site(step_edge->witness.held_site);
        step.requested_site = located_site(step_edge->witness.requested_site);
        // Gate locks: held across every step, outside the cycle.
        const std::vector<LockId> held_list = recording.HeldLocks(step_edge->witness);
        std::set<LockId> held(held_list.begin(), held_list.end());
        if (first_step) {
          gates = held;
          first_step = false;
        } else {
          std::set<LockId> both;
          for (LockId lock : gates) {
            if (held.count(lock) != 0) both.insert(lock);
          }
          gates = both;
        }
        analysis.edges[first_edge + *index].in_cycle = true;
        class_pairs_in_instance_cycles.insert({*class_of[a], *class_of[b]});
        site_pairs[{ClassKey(step.held_site), ClassKey(step.requested_site)}].in_instance_cycle = true;
        cycle.steps.push_back(std::move(step));
      }
      for (size_t i = 0; i + 1 < added.cycle.size(); ++i) gates.erase(lock_of[added.cycle[i]]);
      for (LockId gate : gates) cycle.gate_locks.push_back(absl::StrCat("M", gate));
      analysis.cycles.push_back(std::move(cycle));
    }
    // Which locks each pair of sites saw, for the data-dependent order hints.
    for (const Edge& edge : recording.edges) {
      SitePairUse& use = site_pairs[{site_key(edge.witness.held_site),
                                     site_key(edge.witness.requested_site)}];
      use.held_locks.insert({recording.pid, edge.from});
      use.requested_locks.insert({recording.pid, edge.to});
    }
    // The same edges, between classes.
    for (const auto& [id, key] : class_of) {
      if (!NamesProgramCode(*key)) ++analysis.locks_without_class;
    }
    for (const Edge& edge : recording.edges) {
      const std::string& from = *class_of[edge.from];
      const std::string& to = *class_of[edge.to];
      if (from == to) continue;  // two instances of one class: not an order between classes
      if (!NamesProgramCode(from) || !NamesProgramCode(to)) continue;  // no class to speak of
      auto class_node = [&](const std::string& key) {
        auto [it, inserted] = class_ids.emplace(key, 0);
        if (inserted) {
          it->second = class_graph.AddLock();
          class_names.push_back(key);
        }
        return it->second;
      };
      LockGraph::AddResult added =
          class_graph.AddEdge(class_node(from), class_node(to), /*payload=*/0);
      if (added.added != LockGraph::Added::kClosesCycle) continue;
      ClassHint hint;
      bool seen_in_one_process = true;
      for (size_t i = 0; i + 1 < added.cycle.size(); ++i) {
        seen_in_one_process &= class_pairs_in_instance_cycles.count(
                                   {class_names[added.cycle[i]], class_names[added.cycle[i + 1]]}) != 0;
      }
      if (seen_in_one_process) continue;
      for (LockId id : added.cycle) hint.classes.push_back(class_names[id]);
      analysis.class_hints.push_back(std::move(hint));
    }
  }
  for (const auto& [sites, use] : site_pairs) {
    if (use.in_instance_cycle || !NamesProgramCode(sites.first) || !NamesProgramCode(sites.second)) {
      continue;
    }
    if (use.held_locks.size() < 2 || use.requested_locks.size() < 2) continue;
    ClassHint hint;
    hint.kind = ClassHint::Kind::kDataDependentOrder;
    hint.held_site = sites.first;
    hint.requested_site = sites.second;
    hint.held_locks = static_cast<int>(use.held_locks.size());
    hint.requested_locks = static_cast<int>(use.requested_locks.size());
    analysis.class_hints.push_back(std::move(hint));
  }
  return analysis;
}

}  // namespace racelab
