// The sites of one lock cycle's steps, resolved together. A frame where
// two different locks of the cycle were taken in the same role (both held,
// or both requested: a lock wrapper such as `Mutex::Lock`, or a function
// handed the locks in either order) says nothing about which lock or which
// order: every cycle through it would show the same lines, and findings
// that compare their sites would merge distinct bugs. So such sites move
// to their callers, until no frame is shared that way or a site has no
// caller left. (A frame that holds one lock and requests another, as
// `a.lock(); b.lock();` on one line, is the order itself and stays.)
#ifndef RACELAB_HARNESS_DETECTORS_CYCLE_SITES_H_
#define RACELAB_HARNESS_DETECTORS_CYCLE_SITES_H_

#include <cstddef>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "harness/detectors/symbolizer.h"
#include "harness/lockorder/record_file.h"
#include "harness/model/location.h"

namespace racelab {

class CycleSites {
 public:
  CycleSites(const lockorder::Recording& recording, absl::string_view project_root,
             Symbolizer& symbolizer)
      : recording_(recording), project_root_(project_root), symbolizer_(symbolizer) {}

  // A site where `lock` was taken (`held`) or requested or waited for;
  // returns its index for At.
  std::size_t Add(lockorder::SiteId site, lockorder::LockId lock, bool held);

  // Where site `index` is, once every site is added; nullopt when it does
  // not resolve.
  std::optional<Location> At(std::size_t index);

 private:
  // The most callers a site moves up through.
  static constexpr std::size_t kMaxFrames = 8;
  struct Entry {
    lockorder::LockId lock = 0;
    bool held = false;
    std::vector<Location> frames;  // the site's frame, then its callers
    std::size_t chosen = 0;
  };
  void Resolve();

  const lockorder::Recording& recording_;
  const absl::string_view project_root_;
  Symbolizer& symbolizer_;
  std::vector<Entry> entries_;
  bool resolved_ = false;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_CYCLE_SITES_H_
