// DOT rendering of a lock-order analysis (see lockorder_writers.h): a node
// per lock (labelled with where it was first taken), an edge per recorded
// order, cycle edges red and bold. Quoting lives here.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "harness/report/lockorder_writers.h"

namespace racelab {
namespace {

std::string Quoted(absl::string_view text) {
  return absl::StrCat(
      "\"", absl::StrReplaceAll(text, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}}), "\"");
}

}  // namespace

std::string FormatLockOrderDot(const LockOrderAnalysis& analysis) {
  std::string out =
      "digraph lockorder {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n";
  for (const AnalyzedLock& lock : analysis.locks) {
    std::string label = lock.name;
    if (lock.first_site) {
      absl::StrAppend(&label, "\nfirst taken at ", lock.first_site->file, ":",
                      lock.first_site->line);
    }
    absl::StrAppend(&out, "  ", Quoted(lock.node), " [label=", Quoted(label), "];\n");
  }
  for (const LockOrderAnalysis::GraphEdge& edge : analysis.edges) {
    absl::StrAppend(&out, "  ", Quoted(analysis.FromNode(edge)), " -> ",
                    Quoted(analysis.ToNode(edge)), " [label=", Quoted(edge.thread),
                    edge.in_cycle ? ", color=red, penwidth=2.5, fontcolor=red" : "", "];\n");
  }
  absl::StrAppend(&out, "}\n");
  return out;
}

}  // namespace racelab
