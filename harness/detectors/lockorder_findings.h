// Lock-order records → findings (detector `lockorder`): unguarded cycles
// become lock-order-inversion, re-locks self-deadlock, foreign unlocks and
// waits mutex-misuse. Each site is symbolised and reduced to the first frame
// in project code outside racelab's own hooks. Guarded cycles (a gate lock
// held across every edge) are not findings. Findings carry their evidence
// (LockCycle, SelfDeadlock, LockMisuse: harness/model/evidence.h),
// which the report puts into words. No printing; call from one thread.
#ifndef RACELAB_HARNESS_DETECTORS_LOCKORDER_FINDINGS_H_
#define RACELAB_HARNESS_DETECTORS_LOCKORDER_FINDINGS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "harness/detectors/symbolizer.h"
#include "harness/lockorder/record_file.h"
#include "harness/model/finding.h"

namespace racelab {

std::vector<Finding> LockOrderFindings(const lockorder::Recording& recording,
                                       absl::string_view project_root, Symbolizer& symbolizer);

// The user's frame of a recorded site: the first frame under `project_root`
// that is not in harness/lockorder/, else the first with a source file
// outside the toolchain; nullopt when nothing resolves.
std::optional<Location> SiteLocation(const lockorder::Recording& recording, lockorder::SiteId site,
                                     absl::string_view project_root, Symbolizer& symbolizer);

// SiteLocation's frame, then its callers of the same standing (in the
// project, or when it is not, outside the toolchain), innermost first; at
// most `max_locations`.
std::vector<Location> SiteLocations(const lockorder::Recording& recording, lockorder::SiteId site,
                                    absl::string_view project_root, Symbolizer& symbolizer,
                                    std::size_t max_locations);

// SiteLocation with the thread that was there (`thread`, racelab's number)
// and what it did there (`role`, "waits here").
std::optional<Location> Located(const lockorder::Recording& recording, lockorder::SiteId site,
                                absl::string_view project_root, Symbolizer& symbolizer,
                                std::uint32_t thread, std::string role);

// "T<n>" for racelab's thread number n.
std::string ThreadName(std::uint32_t thread);

// "M<n>" for lock id n: how every finding and report names a lock.
std::string LockName(lockorder::LockId lock);

// How a finding names a recorded lock: LockName, or for a hidden lock what
// it is ("static init guard of `Codecs()::table`", "once flag
// `table_once`", anonymous namespaces left out; "static init guard M3" when
// its variable has no symbol).
std::string LockName(const lockorder::Recording& recording, lockorder::LockId lock,
                     Symbolizer& symbolizer);

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_LOCKORDER_FINDINGS_H_
