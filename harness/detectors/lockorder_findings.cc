// Lock-order records → findings (see lockorder_findings.h).
#include "harness/detectors/lockorder_findings.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "harness/detectors/cycle_sites.h"
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

// `location` with the thread that was there and what it did there.
std::optional<Location> WithThreadAndRole(std::optional<Location> location, std::uint32_t thread,
                                          std::string role) {
  if (location) {
    if (thread != 0) location->thread = ThreadName(thread);  // 0: not known
    location->role = std::move(role);
  }
  return location;
}

// Site `index` of `sites`, as Located names it.
std::optional<Location> LocatedIn(CycleSites& sites, std::size_t index, std::uint32_t thread,
                                  std::string role) {
  return WithThreadAndRole(sites.At(index), thread, std::move(role));
}

// The edges the recording's inversions step along, by their ends: a cycle
// of n steps among m edges costs n lookups, not n walks over m, and a
// recording with a million edges and no inversion indexes none of them.
class EdgeIndex {
 public:
  explicit EdgeIndex(const Recording& recording) {
    for (const InversionRecord& inversion : recording.inversions) {
      for (size_t i = 0; i + 1 < inversion.cycle.size(); ++i) {
        edges_.emplace(std::make_pair(inversion.cycle[i], inversion.cycle[i + 1]), nullptr);
      }
    }
    if (edges_.empty()) return;
    for (const Edge& edge : recording.edges) {
      auto wanted = edges_.find({edge.from, edge.to});
      if (wanted != edges_.end() && wanted->second == nullptr) wanted->second = &edge;
    }
  }
  // The edge from → to, if an inversion steps along it and it was recorded.
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
  for (const lockorder::MisuseRecord& record : recording.misuses) {
    sites.insert(record.site);
    if (!lockorder::IsThreadMisuse(record.kind)) continue;
    sites.insert(record.earlier_site);
    auto thread = recording.locks.find(record.lock);
    if (thread != recording.locks.end()) sites.insert(thread->second.first_site);
  }
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
  LockCycle evidence;
  evidence.found =
      cycle.livelock ? LockCycle::Found::kClosedLivelock : LockCycle::Found::kClosedWaitCycle;
  CycleSites sites(recording, project_root, symbolizer);
  for (const lockorder::WaitCycleRecord::Step& record : cycle.steps) {
    sites.Add(record.waiting_site, record.lock, /*held=*/false);
    sites.Add(record.held_site, record.lock, /*held=*/true);
  }
  for (size_t i = 0; i < cycle.steps.size(); ++i) {
    const lockorder::WaitCycleRecord::Step& record = cycle.steps[i];
    ThreadStep step;
    step.thread = ThreadName(record.thread);
    step.lock = LockName(recording, record.lock, symbolizer);
    step.holder = ThreadName(cycle.steps[(i + 1) % cycle.steps.size()].thread);
    std::string waits;
    switch (record.how) {
      case lockorder::WaitHow::kLock:
        step.act = ThreadStep::Act::kWaitsFor;
        waits = absl::StrCat("waits for ", step.lock);
        break;
      case lockorder::WaitHow::kCondition:
        step.act = ThreadStep::Act::kNeedsBack;
        waits = absl::StrCat("waits on a condition variable and needs ", step.lock, " back");
        break;
      case lockorder::WaitHow::kRetry:
        step.act = ThreadStep::Act::kRetries;
        waits = absl::StrCat("keeps retrying ", step.lock);
        break;
      case lockorder::WaitHow::kJoin:
        step.act = ThreadStep::Act::kJoins;
        waits = absl::StrCat("joins ", step.holder);
        break;
    }
    const std::uint32_t holder = cycle.steps[(i + 1) % cycle.steps.size()].thread;
    step.at = LocatedIn(sites, 2 * i, record.thread, absl::StrCat(waits, " here"));
    step.held_at =
        LocatedIn(sites, 2 * i + 1, holder, absl::StrCat("holds ", step.lock, ", taken here"));
    if (step.at) finding.locations.push_back(*step.at);
    if (step.held_at) finding.locations.push_back(*step.held_at);
    evidence.steps.push_back(std::move(step));
  }
  finding.evidence = std::move(evidence);
  return finding;
}

}  // namespace

std::string ThreadName(std::uint32_t thread) { return absl::StrCat("T", thread); }

std::string LockName(LockId lock) { return absl::StrCat("M", lock); }

std::string LockName(const Recording& recording, LockId lock, Symbolizer& symbolizer) {
  auto record = recording.locks.find(lock);
  if (record == recording.locks.end() || !lockorder::IsNamedByVariable(record->second.kind)) {
    return LockName(lock);
  }
  const lockorder::LockKind kind = record->second.kind;
  const absl::string_view noun = kind == lockorder::LockKind::kOnce        ? "once flag"
                                 : kind == lockorder::LockKind::kCondition ? "condition variable"
                                 : kind == lockorder::LockKind::kSemaphore ? "semaphore"
                                 : kind == lockorder::LockKind::kBarrier   ? "barrier"
                                 : kind == lockorder::LockKind::kStream    ? "stream"
                                                                           : "static init guard";
  auto object = recording.lock_objects.find(lock);
  if (object != recording.lock_objects.end()) {
    auto module = recording.modules.find(object->second.module);
    if (module != recording.modules.end()) {
      const std::optional<std::string> variable =
          symbolizer.VariableAt(module->second, object->second.offset);
      if (variable) {
        absl::string_view name = *variable;
        absl::ConsumePrefix(&name, "guard variable for ");  // the guard's own symbol
        // glibc's standard streams: the FILE objects stdout and the others point to.
        if (absl::ConsumePrefix(&name, "_IO_2_1_")) absl::ConsumeSuffix(&name, "_");
        return absl::StrCat(noun, noun == "static init guard" ? " of `" : " `",
                            absl::StrReplaceAll(name, {{"(anonymous namespace)::", ""}}), "`");
      }
    }
  }
  return absl::StrCat(noun, " ", LockName(lock));
}

std::vector<Location> SiteLocations(const Recording& recording, SiteId site,
                                    absl::string_view project_root, Symbolizer& symbolizer,
                                    std::size_t max_locations) {
  auto frames = recording.sites.find(site);
  if (frames == recording.sites.end()) return {};
  // Every frame of every return address (inlined ones included), innermost
  // first; the wrappers the standard library puts around pthread are never
  // the user's line either.
  std::vector<SourceFrame> stack;
  UserFramePicker picker(project_root);
  std::size_t project_frames = 0;  // symbolised only as far as needed
  for (const lockorder::ModuleOffset& pc : frames->second) {
    auto module = recording.modules.find(pc.module);
    if (module == recording.modules.end()) continue;
    for (const SourceFrame& frame : symbolizer.Frames(module->second, pc.offset)) {
      if (IsLibraryWrapper(frame.function)) continue;
      stack.push_back(frame);
      picker.Offer(frame.file, stack.size() - 1);
      if (picker.InProject(frame.file) && !IsRacelabHookFile(frame.file)) ++project_frames;
    }
    if (project_frames >= max_locations) break;
  }
  if (!picker.chosen()) return {};
  // The chosen frame, then its callers of the same standing (the project's,
  // or when none is, any outside the toolchain).
  const bool in_project = picker.is_project();
  std::vector<Location> locations;
  for (std::size_t i = *picker.chosen(); i < stack.size(); ++i) {
    const SourceFrame& frame = stack[i];
    if (IsRacelabHookFile(frame.file) ||
        (in_project ? !picker.InProject(frame.file) : IsToolchainFile(frame.file))) {
      continue;
    }
    Location location;
    location.file = ProjectRelative(frame.file, project_root);
    location.line = frame.line;
    location.function = frame.function;
    locations.push_back(std::move(location));
    if (locations.size() == max_locations) break;
  }
  return locations;
}

std::optional<Location> SiteLocation(const Recording& recording, SiteId site,
                                     absl::string_view project_root, Symbolizer& symbolizer) {
  std::vector<Location> locations = SiteLocations(recording, site, project_root, symbolizer, 1);
  if (locations.empty()) return std::nullopt;
  return std::move(locations.front());
}

std::optional<Location> Located(const Recording& recording, SiteId site, absl::string_view root,
                                Symbolizer& symbolizer, std::uint32_t thread, std::string role) {
  return WithThreadAndRole(SiteLocation(recording, site, root, symbolizer), thread,
                           std::move(role));
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
  LockCycle evidence;
  evidence.found = LockCycle::Found::kInversion;
  for (LockId lock : inversion.cycle)
    evidence.locks.push_back(LockName(recording, lock, symbolizer));
  std::vector<const Edge*> steps;
  CycleSites sites(recording, project_root, symbolizer);
  for (size_t i = 0; i + 1 < inversion.cycle.size(); ++i) {
    const Edge* edge = edges.Find(inversion.cycle[i], inversion.cycle[i + 1]);
    if (edge == nullptr) continue;
    steps.push_back(edge);
    sites.Add(edge->witness.held_site, edge->from, /*held=*/true);
    sites.Add(edge->witness.requested_site, edge->to, /*held=*/false);
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    const Edge* edge = steps[i];
    ThreadStep step;
    step.act = ThreadStep::Act::kHoldsAndRequests;
    step.thread = ThreadName(edge->witness.thread);
    step.held = LockName(recording, edge->from, symbolizer);
    step.lock = LockName(recording, edge->to, symbolizer);
    step.held_at = LocatedIn(sites, 2 * i, edge->witness.thread,
                             absl::StrCat("holds ", step.held, ", taken here"));
    step.at = LocatedIn(sites, 2 * i + 1, edge->witness.thread,
                        absl::StrCat("requests ", step.lock, " here"));
    if (step.held_at) finding.locations.push_back(*step.held_at);
    if (step.at) finding.locations.push_back(*step.at);
    evidence.steps.push_back(std::move(step));
  }
  finding.evidence = std::move(evidence);
  return finding;
}

Finding SelfDeadlockFinding(const Recording& recording, const lockorder::SelfDeadlockRecord& record,
                            absl::string_view project_root, Symbolizer& symbolizer) {
  Finding finding;
  finding.detector = Detector::kLockorder;
  finding.kind = FindingKind::kSelfDeadlock;
  SelfDeadlock evidence;
  evidence.thread = ThreadName(record.thread);
  evidence.lock = LockName(recording, record.lock, symbolizer);
  evidence.held_shared = record.shared_held;
  evidence.held_at = Located(recording, record.held_site, project_root, symbolizer, record.thread,
                             absl::StrCat("holds ", evidence.lock, ", taken here"));
  evidence.at = Located(recording, record.requested_site, project_root, symbolizer, record.thread,
                        absl::StrCat("requests ", evidence.lock, " again here"));
  if (evidence.at) finding.locations.push_back(*evidence.at);
  if (evidence.held_at) finding.locations.push_back(*evidence.held_at);
  finding.evidence = std::move(evidence);
  return finding;
}

// What the thread did at a misuse's site.
const char* MisuseSiteRole(MisuseKind kind) {
  switch (kind) {
    case MisuseKind::kWaitNotHeld:
      return "waits here";
    case MisuseKind::kRelockFailed:
      return "locks again here";
    case MisuseKind::kDestroyLocked:
      return "destroys it here";
    case MisuseKind::kUseDestroyed:
      return "uses it here";
    case MisuseKind::kExitHolding:
      return "took it here";
    case MisuseKind::kWaitTwoMutexes:
      return "waits here";
    case MisuseKind::kDestroyWaited:
      return "destroys it here";
    case MisuseKind::kPostOverflow:
      return "posts here";
    case MisuseKind::kReinitWaited:
      return "initialises it here";
    case MisuseKind::kJoinedTwice:
    case MisuseKind::kJoinDetached:
      return "joins it here";
    case MisuseKind::kDetachedTwice:
    case MisuseKind::kDetachJoined:
      return "detaches it here";
    case MisuseKind::kUnlockNotOwner:
    case MisuseKind::kUnlockUnlocked:
      break;
  }
  return "unlocks here";
}

// A thread misuse's thread, named by where it was created, and where its
// end was first claimed.
void AddThreadClaims(const Recording& recording, const lockorder::MisuseRecord& record,
                     absl::string_view project_root, Symbolizer& symbolizer, LockMisuse& evidence,
                     Finding& finding) {
  auto thread = recording.locks.find(record.lock);
  const std::optional<Location> created =
      thread == recording.locks.end() ? std::nullopt
                                      : Located(recording, thread->second.first_site, project_root,
                                                symbolizer, 0, "the thread is created here");
  evidence.lock = created
                      ? absl::StrCat("the thread created at ", created->file, ":", created->line)
                      : "a thread";
  const bool was_joined =
      record.kind == MisuseKind::kJoinedTwice || record.kind == MisuseKind::kDetachJoined;
  evidence.earlier_at = Located(recording, record.earlier_site, project_root, symbolizer, 0,
                                was_joined ? "first joined here" : "first detached here");
  if (evidence.earlier_at) finding.locations.push_back(*evidence.earlier_at);
  if (created) finding.locations.push_back(*created);
}

Finding MisuseFinding(const Recording& recording, const lockorder::MisuseRecord& record,
                      absl::string_view project_root, Symbolizer& symbolizer) {
  Finding finding;
  finding.detector = Detector::kLockorder;
  finding.kind = FindingKind::kMutexMisuse;
  LockMisuse evidence;
  evidence.thread = ThreadName(record.thread);
  evidence.lock = LockName(recording, record.lock, symbolizer);
  switch (record.kind) {
    case MisuseKind::kUnlockNotOwner:
      evidence.kind = LockMisuse::Kind::kUnlockNotOwner;
      if (record.owner != 0) evidence.owner = ThreadName(record.owner);
      break;
    case MisuseKind::kUnlockUnlocked:
      evidence.kind = LockMisuse::Kind::kUnlockUnlocked;
      break;
    case MisuseKind::kWaitNotHeld:
      evidence.kind = LockMisuse::Kind::kWaitNotHeld;
      break;
    case MisuseKind::kRelockFailed:
      evidence.kind = LockMisuse::Kind::kRelockFailed;
      break;
    case MisuseKind::kDestroyLocked:
      evidence.kind = LockMisuse::Kind::kDestroyLocked;
      if (record.owner != 0) evidence.owner = ThreadName(record.owner);
      break;
    case MisuseKind::kUseDestroyed:
      evidence.kind = LockMisuse::Kind::kUseDestroyed;
      break;
    case MisuseKind::kExitHolding:
      evidence.kind = LockMisuse::Kind::kExitHolding;
      break;
    case MisuseKind::kWaitTwoMutexes:
      evidence.kind = LockMisuse::Kind::kWaitTwoMutexes;
      evidence.other_lock = LockName(recording, record.other, symbolizer);
      break;
    case MisuseKind::kDestroyWaited:
      evidence.kind = LockMisuse::Kind::kDestroyWaited;
      break;
    case MisuseKind::kPostOverflow:
      evidence.kind = LockMisuse::Kind::kPostOverflow;
      break;
    case MisuseKind::kReinitWaited:
      evidence.kind = LockMisuse::Kind::kReinitWaited;
      break;
    case MisuseKind::kJoinedTwice:
      evidence.kind = LockMisuse::Kind::kJoinedTwice;
      break;
    case MisuseKind::kJoinDetached:
      evidence.kind = LockMisuse::Kind::kJoinDetached;
      break;
    case MisuseKind::kDetachedTwice:
      evidence.kind = LockMisuse::Kind::kDetachedTwice;
      break;
    case MisuseKind::kDetachJoined:
      evidence.kind = LockMisuse::Kind::kDetachJoined;
      break;
  }
  evidence.at = Located(recording, record.site, project_root, symbolizer, record.thread,
                        MisuseSiteRole(record.kind));
  if (evidence.at) finding.locations.push_back(*evidence.at);
  if (lockorder::IsThreadMisuse(record.kind))
    AddThreadClaims(recording, record, project_root, symbolizer, evidence, finding);
  finding.evidence = std::move(evidence);
  return finding;
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

}  // namespace racelab
