// JSON rendering of a lock-order analysis (see lockorder_writers.h).
#include <nlohmann/json.hpp>

#include "harness/report/lockorder_writers.h"

namespace racelab {
namespace {

using json = nlohmann::ordered_json;

json SiteJson(const SharedLocation& location) {
  if (!location) return nullptr;
  return {{"file", location->file}, {"line", location->line}, {"function", location->function}};
}

}  // namespace

std::string FormatLockOrderJson(const LockOrderAnalysis& analysis) {
  json locks = json::array();
  for (const AnalyzedLock& lock : analysis.locks) {
    locks.push_back(
        {{"node", lock.node}, {"name", lock.name}, {"first_site", SiteJson(lock.first_site)}});
  }
  json edges = json::array();
  for (const LockOrderAnalysis::GraphEdge& edge : analysis.edges) {
    edges.push_back({{"from", analysis.FromNode(edge)},
                     {"to", analysis.ToNode(edge)},
                     {"thread", edge.thread},
                     {"in_cycle", edge.in_cycle}});
  }
  json cycles = json::array();
  for (const AnalyzedCycle& cycle : analysis.cycles) {
    json steps = json::array();
    for (const CycleStep& step : cycle.steps) {
      steps.push_back({{"thread", step.thread},
                       {"holds", step.from},
                       {"requests", step.to},
                       {"held_site", SiteJson(step.held_site)},
                       {"requested_site", SiteJson(step.requested_site)}});
    }
    cycles.push_back({{"file", cycle.file},
                      {"pid", cycle.pid},
                      {"guarded", !cycle.gate_locks.empty()},
                      {"gate_locks", cycle.gate_locks},
                      {"steps", std::move(steps)}});
  }
  json hints = json::array();
  for (const ClassHint& hint : analysis.class_hints) {
    if (hint.kind == ClassHint::Kind::kClassCycle) {
      hints.push_back({{"kind", "class-cycle"}, {"classes", hint.classes}});
    } else {
      hints.push_back({{"kind", "data-dependent-order"},
                       {"held_site", hint.held_site},
                       {"requested_site", hint.requested_site},
                       {"held_locks", hint.held_locks},
                       {"requested_locks", hint.requested_locks}});
    }
  }
  const json document = {{"schema", "racelab-lockorder-report/1"},
                         {"files", analysis.files},
                         {"locks", std::move(locks)},
                         {"edges", std::move(edges)},
                         {"cycles", std::move(cycles)},
                         {"class_hints", std::move(hints)},
                         {"locks_without_class", analysis.locks_without_class},
                         {"unguarded_cycles", analysis.UnguardedCycles()}};
  return document.dump(2) + "\n";
}

}  // namespace racelab
