// Text rendering of a lock-order analysis (see lockorder_writers.h). A cycle
// is printed in one canonical form, starting and ending at the same lock.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/report/lockorder_writers.h"
#include "harness/report/site_text.h"

namespace racelab {
namespace {

std::string SiteOrUnknown(const SharedLocation& location) {
  if (!location) return "an unknown site";
  return SiteText(*location, /*with_thread_and_role=*/false);
}

}  // namespace

std::string FormatLockOrderText(const LockOrderAnalysis& analysis) {
  std::string out =
      absl::StrCat("racelab-lockorder: ", analysis.files.size(), " file(s), ",
                   analysis.locks.size(), " locks, ", analysis.edges.size(), " lock-order edges\n");
  int number = 0;
  for (const AnalyzedCycle& cycle : analysis.cycles) {
    std::vector<std::string> names;
    for (const CycleStep& step : cycle.steps) names.push_back(step.from);
    if (!cycle.steps.empty()) names.push_back(cycle.steps.front().from);
    const bool guarded = !cycle.gate_locks.empty();
    absl::StrAppend(&out, "\n", guarded ? "guarded cycle " : "cycle ", ++number, ": ",
                    absl::StrJoin(names, " -> "), "  (", cycle.file, ", pid ", cycle.pid, ")\n");
    for (const CycleStep& step : cycle.steps) {
      absl::StrAppend(&out, "  ", step.thread, " holds ", step.from, ", taken at ",
                      SiteOrUnknown(step.held_site), "\n", "     then requests ", step.to, " at ",
                      SiteOrUnknown(step.requested_site), "\n");
    }
    if (guarded) {
      absl::StrAppend(&out, "  not a deadlock: every step held ",
                      absl::StrJoin(cycle.gate_locks, ", "), " (a gate lock)\n");
    } else {
      absl::StrAppend(&out,
                      "  HINT: threads taking these locks in these orders at the same time "
                      "deadlock; take them in one global order, or all at once with "
                      "std::scoped_lock.\n");
    }
  }
  for (const ClassHint& hint : analysis.class_hints) {
    if (hint.kind == ClassHint::Kind::kClassCycle) {
      absl::StrAppend(&out, "\nhint: locks first taken at ", absl::StrJoin(hint.classes, " -> "),
                      " form a cycle across different lock instances (no single run closed it)\n");
      continue;
    }
    absl::StrAppend(&out, "\nhint: ", hint.held_locks, " locks taken at ", hint.held_site,
                    " were held while ", hint.requested_locks, " locks were requested at ",
                    hint.requested_site,
                    ": which lock comes first is decided by the data (as in transfer(a, b) vs "
                    "transfer(b, a)). Unless every caller takes them in one global order (by "
                    "address or id), two calls with the roles swapped deadlock; "
                    "std::scoped_lock takes both without an order.\n");
  }
  if (analysis.locks_without_class > 0) {
    absl::StrAppend(&out, "\nnote: ", analysis.locks_without_class,
                    analysis.locks_without_class == 1 ? " lock was" : " locks were",
                    " first taken where no frame names a line of the program's own code (no "
                    "line information, or only glibc's frames): no hint about lock classes "
                    "covers them; rebuild with -g for one.\n");
  }
  const int unguarded = analysis.UnguardedCycles();
  absl::StrAppend(&out, "\n", unguarded, unguarded == 1 ? " cycle" : " cycles", ", ",
                  static_cast<int>(analysis.cycles.size()) - unguarded, " guarded\n");
  return out;
}

}  // namespace racelab
