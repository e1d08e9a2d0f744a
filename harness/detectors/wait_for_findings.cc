// The watchdog's diagnosis from a wait-for dump (see wait_for_findings.h).
#include "harness/detectors/wait_for_findings.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/detectors/lockorder_findings.h"

namespace racelab {
namespace {

using lockorder::Edge;
using lockorder::Recording;

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
  LockCycle evidence;
  evidence.found = LockCycle::Found::kDumpedWaitCycle;
  evidence.stop = std::string(why);
  for (const Recording::Wait* wait : cycle) {
    ThreadStep step;
    step.act = ThreadStep::Act::kWaitsFor;
    step.thread = ThreadName(wait->thread);
    step.lock = LockName(recording, wait->lock, symbolizer);
    step.holder = ThreadName(wait->owner);
    // Where the waiter took what it holds and asked for what it waits on:
    // the lock-order edge from its held lock into the awaited one.
    for (const Edge& edge : recording.edges) {
      if (edge.to != wait->lock || edge.witness.thread != wait->thread) continue;
      step.held = LockName(recording, edge.from, symbolizer);
      step.held_at = Located(recording, edge.witness.held_site, project_root, symbolizer,
                             wait->thread, absl::StrCat("holds ", step.held, ", taken here"));
      step.at = Located(recording, edge.witness.requested_site, project_root, symbolizer,
                        wait->thread, absl::StrCat("waits for ", step.lock, " here"));
      if (step.held_at) finding.locations.push_back(*step.held_at);
      if (step.at) finding.locations.push_back(*step.at);
      break;
    }
    evidence.steps.push_back(std::move(step));
  }
  finding.evidence = std::move(evidence);
  return finding;
}

// One dumped wait: where a condition wait waits, and who holds the lock a
// mutex waiter waits for.
ThreadStep DumpedWait(const Recording& recording, const Recording::Wait& wait,
                      const std::map<std::uint32_t, const Recording::Wait*>& waiting,
                      absl::string_view project_root, Symbolizer& symbolizer, Finding& finding) {
  ThreadStep step;
  step.thread = ThreadName(wait.thread);
  step.lock = LockName(recording, wait.lock, symbolizer);
  if (wait.condition) {
    step.act = ThreadStep::Act::kWaitsOnCondition;
    step.at = Located(recording, wait.site, project_root, symbolizer, wait.thread,
                      absl::StrCat("waits on a condition variable (with ", step.lock, ") here"));
    if (step.at) finding.locations.push_back(*step.at);
    return step;
  }
  step.act = ThreadStep::Act::kWaitsFor;
  if (wait.owner != 0) step.holder = ThreadName(wait.owner);
  step.readers = wait.readers;
  // A holder that is not itself blocked is running, runnable, sleeping or
  // joining: a slow run or a livelock rather than threads stuck on each
  // other, which the reader should know.
  step.holder_blocked = waiting.count(wait.owner) != 0;
  return step;
}

}  // namespace

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
  StuckRun evidence;
  evidence.stop = std::string(why);
  evidence.dumped = true;
  for (const Recording::Wait& wait : recording.waits) {
    evidence.waits.push_back(
        DumpedWait(recording, wait, waiting, project_root, symbolizer, finding));
  }
  finding.evidence = std::move(evidence);
  return finding;
}

}  // namespace racelab
