// cases/frying_pan — one pan, many dishes. Each cook puts a dish in the
// pan, fries it, and takes it out. `racy` uses the pan with no lock, so two
// dishes end up in it at once; `locked` holds one mutex for the pan while a
// dish is in it. Both pans have the same Fry() shape.
#include <atomic>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/occupancy.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"
#include "harness/catalog/window.h"

namespace racelab::cases::frying_pan {
namespace {

constexpr int kCooks = 3;

// Deliberately unsynchronised (the bug under test).
class RacyPan {
 public:
  void Fry(int dish, Occupancy& watcher, Window& window) {
    contents_ = dish;  // put the dish in: nobody checks the pan is free
    watcher.Enter();
    window.Pass();  // frying
    watcher.Leave();
    contents_ = -1;  // take it out
  }

 private:
  int contents_ = -1;
};

class LockedPan {
 public:
  void Fry(int dish, Occupancy& watcher, Window& window) {
    std::lock_guard lock(mutex_);
    contents_ = dish;
    watcher.Enter();
    window.Pass();
    watcher.Leave();
    contents_ = -1;
  }

 private:
  std::mutex mutex_;
  int contents_ = -1;  // guarded by mutex_
};

// `racy` fries behind an UnorderedRendezvous, so every cook's dish is in the
// pan at the same moment, every run, unseen by TSan's happens-before;
// `locked` fries behind a Spin (meeting inside the lock would deadlock).
template <typename Pan, typename FryWindow>
Observation CookTogether() {
  Pan pan;
  Occupancy watcher;
  Meeting cooks(kCooks);
  RunTogether(kCooks, [&](int cook) {
    FryWindow window(cooks);
    pan.Fry(cook, watcher, window);
  });
  return Observation{absl::StrCat("most_in_pan=", watcher.most()), {watcher.most()}};
}

// Oracle: one dish in the pan at a time.
absl::Status OneDishAtATime(const Observation& observation) {
  const std::int64_t most = observation.values.at(0);
  if (most <= 1) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(most, " dishes were in the pan at once"));
}

const CaseRegistrar kRacy({.pattern = "frying_pan",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "dishes use the one pan with no lock",
                           .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
                           .found_by = {Detector::kTsan, Detector::kOracle},
                           .body = CookTogether<RacyPan, UnorderedRendezvous>,
                           .oracle = OneDishAtATime});

const CaseRegistrar kLocked({.pattern = "frying_pan",
                             .variant = "locked",
                             .expect = Expect::kClean,
                             .title = "one mutex for the pan",
                             .body = CookTogether<LockedPan, Spin>,
                             .oracle = OneDishAtATime});

}  // namespace
}  // namespace racelab::cases::frying_pan
