// Lock-order records → findings (see lockorder_findings.h).
#include "harness/detectors/lockorder_findings.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "harness/detectors/source_files.h"

namespace racelab {
namespace {

using lockorder::Edge;
using lockorder::InversionRecord;
using lockorder::LockId;
using lockorder::MisuseKind;
using lockorder::Recording;
using lockorder::SiteId;

// The standard library's lock wrappers, instantiated in the user's
// translation unit: gcc's line table can put them in the user's file (seen:
// __gthread_mutex_lock at transfer_test_program.cc:749), so they are
// skipped by name.
bool IsLibraryWrapper(absl::string_view function) {
  return absl::StartsWith(function, "__gthread_") || absl::StartsWith(function, "std::") ||
         absl::StartsWith(function, "__gnu_cxx::");
}

std::string Where(const std::optional<Location>& location) {
  if (!location) return "an unknown site";
  return absl::StrCat(location->file, ":", location->line);
}

std::optional<Location> Located(const Recording& recording, SiteId site, absl::string_view root,
                                Symbolizer& symbolizer, std::uint32_t thread, std::string role) {
  std::optional<Location> location = SiteLocation(recording, site, root, symbolizer);
  if (location) {
    location->thread = ThreadName(thread);
    location->role = std::move(role);
  }
  return location;
}

// The recording's edges by their ends: a cycle of n steps among m edges
// costs n lookups, not n walks over m.
class EdgeIndex {
 public:
  explicit EdgeIndex(const Recording& recording) {
    for (const Edge& edge : recording.edges)
      edges_.emplace(std::make_pair(edge.from, edge.to), &edge);
  }
  const Edge* Find(LockId from, LockId to) const {
    auto found = edges_.find({from, to});
    return found == edges_.end() ? nullptr : found->second;
  }

 private:
  std::map<std::pair<LockId, LockId>, const Edge*> edges_;
};

// The sites LockOrderFindings will name: a program with thousands of
// lock sites and no finding costs no symbolisation.
std::set<SiteId> SitesOfFindings(const Recording& recording, const EdgeIndex& edges) {
  std::set<SiteId> sites;
  for (const InversionRecord& inversion : recording.inversions) {
    if (!inversion.gate_locks.empty()) continue;
    for (size_t i = 0; i + 1 < inversion.cycle.size(); ++i) {
      if (const Edge* edge = edges.Find(inversion.cycle[i], inversion.cycle[i + 1])) {
        sites.insert({edge->witness.held_site, edge->witness.requested_site});
      }
    }
  }
  for (const lockorder::SelfDeadlockRecord& record : recording.self_deadlocks) {
    sites.insert({record.held_site, record.requested_site});
  }
  for (const lockorder::WaitCycleRecord& cycle : recording.wait_cycles) {
    for (const lockorder::WaitCycleRecord::Step& step : cycle.steps) {
      sites.insert({step.waiting_site, step.held_site});
    }
  }
  for (const lockorder::MisuseRecord& record : recording.misuses) sites.insert(record.site);
  return sites;
}

// A wait-for cycle the checker recorded when it closed (detector watchdog,
// as the cycles its dumps show): each thread, what it waits for where, and
// where the next one took it.
Finding WaitCycleFinding(const Recording& recording, const lockorder::WaitCycleRecord& cycle,
                         absl::string_view project_root, Symbolizer& symbolizer) {
  Finding finding;
  finding.detector = Detector::kWatchdog;
  finding.kind = cycle.livelock ? FindingKind::kLivelock : FindingKind::kDeadlock;
  std::vector<std::string> steps;
  for (size_t i = 0; i < cycle.steps.size(); ++i) {
    const lockorder::WaitCycleRecord::Step& step = cycle.steps[i];
    const std::uint32_t holder = cycle.steps[(i + 1) % cycle.steps.size()].thread;
    const std::string lock = LockName(step.lock);
    std::string waits;
    switch (step.how) {
      case lockorder::WaitHow::kLock:
        waits = absl::StrCat("waits for ", lock);
        break;
      case lockorder::WaitHow::kCondition:
        waits = absl::StrCat("waits on a condition variable and needs ", lock, " back");
        break;
      case lockorder::WaitHow::kRetry:
        waits = absl::StrCat("keeps retrying ", lock);
        break;
      case lockorder::WaitHow::kJoin:
        waits = absl::StrCat("joins ", ThreadName(holder));
        break;
    }
    std::optional<Location> waiting =
        Located(recording, step.waiting_site, project_root, symbolizer, step.thread,
                absl::StrCat(waits, " here"));
    std::optional<Location> held = Located(recording, step.held_site, project_root, symbolizer,
                                           holder, absl::StrCat("holds ", lock, ", taken here"));
    steps.push_back(absl::StrCat(
        ThreadName(step.thread), " ", waits, waiting ? absl::StrCat(" at ", Where(waiting)) : "",
        step.how == lockorder::WaitHow::kJoin ? std::string()
                                              : absl::StrCat(", held by ", ThreadName(holder)),
        held ? absl::StrCat(" (taken at ", Where(held), ")") : ""));
    if (waiting) finding.locations.push_back(*waiting);
    if (held) finding.locations.push_back(*held);
  }
  finding.message =
      absl::StrCat(cycle.livelock ? "livelock: threads retry each other's locks for ever: "
                                  : "deadlock, found when its wait-for cycle closed: ",
                   absl::StrJoin(steps, "; "));
  return finding;
}

}  // namespace

std::string ThreadName(std::uint32_t thread) { return absl::StrCat("T", thread); }

std::string LockName(LockId lock) { return absl::StrCat("M", lock); }

std::optional<Location> SiteLocation(const Recording& recording, SiteId site,
                                     absl::string_view project_root, Symbolizer& symbolizer) {
  auto frames = recording.sites.find(site);
  if (frames == recording.sites.end()) return std::nullopt;
  // Every frame of every return address (inlined ones included), innermost
  // first; the wrappers the standard library puts around pthread are never
  // the user's line either.
  std::vector<SourceFrame> stack;
  UserFramePicker picker(project_root);
  bool picked = false;
  for (const lockorder::ModuleOffset& pc : frames->second) {
    auto module = recording.modules.find(pc.module);
    if (module == recording.modules.end()) continue;
    for (const SourceFrame& frame : symbolizer.Frames(module->second, pc.offset)) {
      if (IsLibraryWrapper(frame.function)) continue;
      stack.push_back(frame);
      picked = picker.Offer(frame.file, stack.size() - 1) || picked;
    }
    if (picked) break;
  }
  if (!picker.chosen()) return std::nullopt;
  const SourceFrame* chosen = &stack[*picker.chosen()];
  Location location;
  location.file = ProjectRelative(chosen->file, project_root);
  location.line = chosen->line;
  location.function = chosen->function;
  return location;
}

namespace {

// Symbolises the sites the findings name, each module's in one batch.
void PrefetchSitesOfFindings(const Recording& recording, const EdgeIndex& edges,
                             Symbolizer& symbolizer) {
  std::map<int, std::vector<std::uintptr_t>> by_module;
  for (SiteId site : SitesOfFindings(recording, edges)) {
    auto frames = recording.sites.find(site);
    if (frames == recording.sites.end()) continue;
    for (const lockorder::ModuleOffset& pc : frames->second) {
      by_module[pc.module].push_back(pc.offset);
    }
  }
  for (const auto& [module, offsets] : by_module) {
    auto path = recording.modules.find(module);
    if (path != recording.modules.end()) symbolizer.Prefetch(path->second, offsets);
  }
}

Finding InversionFinding(const Recording& recording, const EdgeIndex& edges,
                         const InversionRecord& inversion, absl::string_view project_root,
                         Symbolizer& symbolizer) {
  Finding finding;
  finding.detector = Detector::kLockorder;
  finding.kind = FindingKind::kLockOrderInversion;
  std::vector<std::string> names, steps;
  for (LockId lock : inversion.cycle) names.push_back(LockName(lock));
  for (size_t i = 0; i + 1 < inversion.cycle.size(); ++i) {
    const Edge* edge = edges.Find(inversion.cycle[i], inversion.cycle[i + 1]);
    if (edge == nullptr) continue;
    const std::string from = LockName(edge->from), to = LockName(edge->to);
    std::optional<Location> held =
        Located(recording, edge->witness.held_site, project_root, symbolizer, edge->witness.thread,
                absl::StrCat("holds ", from, ", taken here"));
    std::optional<Location> requested =
        Located(recording, edge->witness.requested_site, project_root, symbolizer,
                edge->witness.thread, absl::StrCat("requests ", to, " here"));
    steps.push_back(absl::StrCat(ThreadName(edge->witness.thread), " holds ", from, " (",
                                 Where(held), ") and requests ", to, " (", Where(requested), ")"));
    if (held) finding.locations.push_back(*held);
    if (requested) finding.locations.push_back(*requested);
  }
  finding.message = absl::StrCat("lock-order inversion ", absl::StrJoin(names, " -> "), ": ",
                                 absl::StrJoin(steps, "; "));
  return finding;
}

Finding SelfDeadlockFinding(const Recording& recording, const lockorder::SelfDeadlockRecord& record,
                            absl::string_view project_root, Symbolizer& symbolizer) {
  Finding finding;
  finding.detector = Detector::kLockorder;
  finding.kind = FindingKind::kSelfDeadlock;
  const std::string lock = LockName(record.lock);
  std::optional<Location> held =
      Located(recording, record.held_site, project_root, symbolizer, record.thread,
              absl::StrCat("holds ", lock, ", taken here"));
  std::optional<Location> requested =
      Located(recording, record.requested_site, project_root, symbolizer, record.thread,
              absl::StrCat("requests ", lock, " again here"));
  finding.message =
      absl::StrCat(ThreadName(record.thread), " requests ", lock,
                   record.shared_held ? " exclusively" : "", " again at ", Where(requested),
                   " while still holding it", record.shared_held ? " shared" : "", " (taken at ",
                   Where(held), "): unless another thread unlocks it for it, ",
                   ThreadName(record.thread), " waits for itself forever");
  if (requested) finding.locations.push_back(*requested);
  if (held) finding.locations.push_back(*held);
  return finding;
}

Finding MisuseFinding(const Recording& recording, const lockorder::MisuseRecord& record,
                      absl::string_view project_root, Symbolizer& symbolizer) {
  Finding finding;
  finding.detector = Detector::kLockorder;
  finding.kind = FindingKind::kMutexMisuse;
  const std::string lock = LockName(record.lock);
  std::optional<Location> site =
      Located(recording, record.site, project_root, symbolizer, record.thread,
              record.kind == MisuseKind::kWaitNotHeld    ? "waits here"
              : record.kind == MisuseKind::kRelockFailed ? "locks again here"
                                                         : "unlocks here");
  const std::string thread = ThreadName(record.thread);
  switch (record.kind) {
    case MisuseKind::kUnlockNotOwner:
      finding.message =
          absl::StrCat(thread, " unlocks ", lock, " at ", Where(site), ", but ",
                       record.owner != 0 ? ThreadName(record.owner) : std::string("another thread"),
                       " holds it");
      break;
    case MisuseKind::kUnlockUnlocked:
      finding.message =
          absl::StrCat(thread, " unlocks ", lock, " at ", Where(site), ", which no thread holds");
      break;
    case MisuseKind::kWaitNotHeld:
      finding.message = absl::StrCat(thread, " waits on a condition with ", lock, " at ",
                                     Where(site), ", which it does not hold");
      break;
    case MisuseKind::kRelockFailed:
      finding.message = absl::StrCat(thread, " locks ", lock, " at ", Where(site),
                                     " while it holds it; the lock checks errors, so the call "
                                     "failed with EDEADLK (a caller that ignores it goes on "
                                     "without the lock it thinks it took)");
      break;
  }
  if (site) finding.locations.push_back(*site);
  return finding;
}

// The first wait-for cycle among the dumped waits: "waits for a lock held
// by", followed from each mutex waiter, until a thread is seen twice.
std::vector<const Recording::Wait*> DumpedWaitCycle(
    const Recording& recording, const std::map<std::uint32_t, const Recording::Wait*>& waiting) {
  for (const Recording::Wait& start : recording.waits) {
    if (start.condition) continue;
    std::vector<const Recording::Wait*> path;
    std::set<std::uint32_t> seen;
    const Recording::Wait* at = &start;
    while (at != nullptr && !at->condition && at->owner != 0 && seen.insert(at->thread).second) {
      path.push_back(at);
      auto next = waiting.find(at->owner);
      at = next == waiting.end() ? nullptr : next->second;
    }
    if (at != nullptr && !at->condition && seen.count(at->thread) != 0) {
      return {std::find(path.begin(), path.end(), at), path.end()};
    }
  }
  return {};
}

Finding DumpedDeadlockFinding(const Recording& recording,
                              const std::vector<const Recording::Wait*>& cycle,
                              absl::string_view project_root, Symbolizer& symbolizer,
                              absl::string_view why) {
  Finding finding;
  finding.detector = Detector::kWatchdog;
  finding.kind = FindingKind::kDeadlock;
  std::vector<std::string> steps;
  for (const Recording::Wait* wait : cycle) {
    steps.push_back(absl::StrCat(ThreadName(wait->thread), " waits for ", LockName(wait->lock),
                                 ", held by ", ThreadName(wait->owner)));
    // Where the waiter took what it holds and asked for what it waits on:
    // the lock-order edge from its held lock into the awaited one.
    for (const Edge& edge : recording.edges) {
      if (edge.to != wait->lock || edge.witness.thread != wait->thread) continue;
      std::optional<Location> held =
          Located(recording, edge.witness.held_site, project_root, symbolizer, wait->thread,
                  absl::StrCat("holds ", LockName(edge.from), ", taken here"));
      std::optional<Location> requested =
          Located(recording, edge.witness.requested_site, project_root, symbolizer, wait->thread,
                  absl::StrCat("waits for ", LockName(wait->lock), " here"));
      if (held) finding.locations.push_back(*held);
      if (requested) finding.locations.push_back(*requested);
      break;
    }
  }
  finding.message = absl::StrCat("deadlock (", why, "): ", absl::StrJoin(steps, "; "));
  return finding;
}

// What one dumped wait says: where a condition wait waits, and who holds
// the lock a mutex waiter waits for.
std::string DescribeWait(const Recording& recording, const Recording::Wait& wait,
                         const std::map<std::uint32_t, const Recording::Wait*>& waiting,
                         absl::string_view project_root, Symbolizer& symbolizer, Finding& finding) {
  if (wait.condition) {
    std::optional<Location> where = Located(
        recording, wait.site, project_root, symbolizer, wait.thread,
        absl::StrCat("waits on a condition variable (with ", LockName(wait.lock), ") here"));
    if (where) finding.locations.push_back(*where);
    return absl::StrCat(ThreadName(wait.thread), " waits on a condition variable (with ",
                        LockName(wait.lock), ")", where ? absl::StrCat(" at ", Where(where)) : "");
  }
  // A holder that is not itself blocked is running, runnable, sleeping or
  // joining: a slow run or a livelock rather than threads stuck on each
  // other, which the reader should know.
  const bool holder_blocked = waiting.count(wait.owner) != 0;
  return absl::StrCat(
      ThreadName(wait.thread), " waits for ", LockName(wait.lock),
      wait.owner == 0 && wait.readers > 0 ? absl::StrCat(", held shared by ", wait.readers,
                                                         wait.readers == 1 ? " thread" : " threads")
      : wait.owner == 0                   ? std::string(", held by no thread")
                                          : absl::StrCat(", held by ", ThreadName(wait.owner),
                                       holder_blocked ? "" : " (which is not blocked on a lock)"));
}

}  // namespace

std::vector<Finding> LockOrderFindings(const Recording& recording, absl::string_view project_root,
                                       Symbolizer& symbolizer) {
  const EdgeIndex edges(recording);
  PrefetchSitesOfFindings(recording, edges, symbolizer);
  std::vector<Finding> findings;
  for (const InversionRecord& inversion : recording.inversions) {
    if (!inversion.gate_locks.empty()) continue;  // guarded: informational only
    findings.push_back(InversionFinding(recording, edges, inversion, project_root, symbolizer));
  }
  for (const lockorder::SelfDeadlockRecord& record : recording.self_deadlocks) {
    findings.push_back(SelfDeadlockFinding(recording, record, project_root, symbolizer));
  }
  for (const lockorder::WaitCycleRecord& cycle : recording.wait_cycles) {
    findings.push_back(WaitCycleFinding(recording, cycle, project_root, symbolizer));
  }
  for (const lockorder::MisuseRecord& record : recording.misuses) {
    findings.push_back(MisuseFinding(recording, record, project_root, symbolizer));
  }
  return findings;
}

std::optional<Finding> WaitForFinding(const Recording& recording, absl::string_view project_root,
                                      Symbolizer& symbolizer, absl::string_view why) {
  if (!recording.wait_dump_complete) return std::nullopt;
  std::map<std::uint32_t, const Recording::Wait*> waiting;
  for (const Recording::Wait& wait : recording.waits) waiting[wait.thread] = &wait;
  const std::vector<const Recording::Wait*> cycle = DumpedWaitCycle(recording, waiting);
  if (!cycle.empty()) {
    return DumpedDeadlockFinding(recording, cycle, project_root, symbolizer, why);
  }
  Finding finding;
  finding.detector = Detector::kWatchdog;
  finding.kind = FindingKind::kHang;
  std::vector<std::string> blocked;
  for (const Recording::Wait& wait : recording.waits) {
    blocked.push_back(DescribeWait(recording, wait, waiting, project_root, symbolizer, finding));
  }
  finding.message = absl::StrCat(why, ", no lock cycle: ",
                                 blocked.empty() ? "no thread is blocked on a lock or condition "
                                                   "variable (busy, sleeping, or in a join)"
                                                 : absl::StrJoin(blocked, "; "));
  return finding;
}

}  // namespace racelab
