// CycleSites: see cycle_sites.h.
#include "harness/detectors/cycle_sites.h"

#include <map>
#include <set>
#include <string>
#include <tuple>

#include "harness/detectors/lockorder_findings.h"

namespace racelab {
namespace {

using FrameKey = std::tuple<std::string, int, std::string, bool>;  // file, line, function, held

FrameKey KeyOf(const Location& location, bool held) {
  return {location.file, location.line, location.function, held};
}

}  // namespace

std::size_t CycleSites::Add(lockorder::SiteId site, lockorder::LockId lock, bool held) {
  entries_.push_back(Entry{
      lock, held, SiteLocations(recording_, site, project_root_, symbolizer_, kMaxFrames), 0});
  resolved_ = false;
  return entries_.size() - 1;
}

void CycleSites::Resolve() {
  for (bool moved = true; moved;) {
    moved = false;
    std::map<FrameKey, std::set<lockorder::LockId>> locks_at;
    for (const Entry& entry : entries_) {
      if (!entry.frames.empty()) {
        locks_at[KeyOf(entry.frames[entry.chosen], entry.held)].insert(entry.lock);
      }
    }
    for (Entry& entry : entries_) {
      if (entry.frames.empty() || entry.chosen + 1 >= entry.frames.size()) continue;
      if (locks_at[KeyOf(entry.frames[entry.chosen], entry.held)].size() > 1) {
        ++entry.chosen;
        moved = true;
      }
    }
  }
  resolved_ = true;
}

std::optional<Location> CycleSites::At(std::size_t index) {
  if (!resolved_) Resolve();
  const Entry& entry = entries_[index];
  if (entry.frames.empty()) return std::nullopt;
  return entry.frames[entry.chosen];
}

}  // namespace racelab
