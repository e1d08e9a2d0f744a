// The lock-order graph of one or more runs, as data: the locks, the edges,
// every cycle that closed (with the threads and symbolised sites that make
// it up) and the hints of the class view (locks grouped by the site that
// first took them). The lock-order analysis (harness/detectors/
// lockorder_analysis.h) builds it from record files; the report model holds
// it and the writers in harness/report/ render it. Data only.
#ifndef RACELAB_HARNESS_MODEL_LOCK_ORDER_GRAPH_H_
#define RACELAB_HARNESS_MODEL_LOCK_ORDER_GRAPH_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/model/finding.h"

namespace racelab {

// A symbolised site, shared by every lock and step that names it (null:
// unknown): a million locks taken at one line hold one Location.
using SharedLocation = std::shared_ptr<const Location>;

// One lock of one process.
struct AnalyzedLock {
  std::string name;           // "M3"
  std::string node;           // unique across files: "p1234_M3"
  SharedLocation first_site;  // where it was first taken (its class)
};

// One step of a cycle: a thread held `from` and requested `to`.
struct CycleStep {
  std::string from, to;  // lock names
  std::string from_node, to_node;
  std::string thread;        // "T2"
  SharedLocation held_site;  // where `from` was taken
  SharedLocation requested_site;
};

struct AnalyzedCycle {
  std::string file;
  std::int64_t pid = 0;
  std::vector<CycleStep> steps;         // in cycle order; the last step returns to the first lock
  std::vector<std::string> gate_locks;  // non-empty: guarded, not a deadlock
};

// What the class view suggests beyond the cycles that did close.
struct ClassHint {
  enum class Kind {
    // A cycle among lock classes (locks grouped by the site that first took
    // them) that no single process closed.
    kClassCycle,
    // Locks taken at one site are held while locks taken at another are
    // requested, and each site took more than one lock: which instance comes
    // first is decided by the data, as in transfer(a, b) vs transfer(b, a)
    // on different account pairs. Silent when the instances did form a cycle.
    kDataDependentOrder,
  };
  Kind kind = Kind::kClassCycle;
  std::vector<std::string> classes;         // kClassCycle: "file:line" of each class, cycle order
  std::string held_site, requested_site;    // kDataDependentOrder: "file:line"
  int held_locks = 0, requested_locks = 0;  // distinct locks each site took (all files)
};

struct LockOrderAnalysis {
  std::vector<std::string> files;
  std::vector<AnalyzedLock> locks;
  // One per recorded pair of locks (a report tool reads a million of them:
  // the locks by index, not by name).
  struct GraphEdge {
    std::uint32_t from = 0, to = 0;  // indices into `locks`
    std::string thread;
    bool in_cycle = false;
  };
  std::vector<GraphEdge> edges;
  const std::string& FromNode(const GraphEdge& edge) const { return locks[edge.from].node; }
  const std::string& ToNode(const GraphEdge& edge) const { return locks[edge.to].node; }
  std::vector<AnalyzedCycle> cycles;
  std::vector<ClassHint> class_hints;
  // Locks whose first site names no line of the program's own code (no
  // frame resolved, no line information, or only glibc's frames): they are
  // in no class hint, and the report says so once.
  int locks_without_class = 0;

  int UnguardedCycles() const {
    int count = 0;
    for (const AnalyzedCycle& cycle : cycles) count += cycle.gate_locks.empty() ? 1 : 0;
    return count;
  }
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_MODEL_LOCK_ORDER_GRAPH_H_
