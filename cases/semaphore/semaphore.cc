// cases/semaphore — at most N users of a resource at once. `racy` guards
// the resource with a plain counter that is checked and then incremented,
// so several users pass the check together; `counting` uses
// std::counting_semaphore<N>. The two gates have the same Enter/Leave shape.
#include <atomic>
#include <semaphore>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/occupancy.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"
#include "harness/catalog/window.h"

namespace racelab::cases::semaphore {
namespace {

constexpr int kUsers = 4;
constexpr int kCapacity = 2;

// Deliberately unsynchronised (the bug under test).
class RacyGate {
 public:
  void Enter(Window& window) {
    while (true) {
      if (users_ < kCapacity) {  // check ...
        window.Pass();
        ++users_;  // ... then act: another user may have entered meanwhile
        return;
      }
      std::this_thread::yield();
    }
  }
  void Leave() { --users_; }

 private:
  int users_ = 0;
};

class CountingGate {
 public:
  void Enter(Window& window) {
    slots_.acquire();
    window.Pass();
  }
  void Leave() { slots_.release(); }

 private:
  std::counting_semaphore<kCapacity> slots_{kCapacity};
};

// `racy` passes an UnorderedRendezvous between check and increment: every
// user has passed the check before any increments, every run, and TSan
// still sees the counter race. `counting` passes a Spin (waiting for all
// four inside a gate of two would never end).
template <typename Gate, typename EnterWindow>
Observation UseTogether() {
  Gate gate;
  Occupancy occupancy;
  Meeting users(kUsers);
  RunTogether(kUsers, [&](int) {
    EnterWindow window(users);
    gate.Enter(window);
    occupancy.Enter();
    std::this_thread::yield();
    occupancy.Leave();
    gate.Leave();
  });
  return Observation{absl::StrCat("most_inside=", occupancy.most()), {occupancy.most()}};
}

// Oracle: never more than kCapacity users inside at once.
absl::Status NeverOverCapacity(const Observation& observation) {
  const std::int64_t most = observation.values.at(0);
  if (most <= kCapacity) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(most, " users were inside at once; the capacity is ", kCapacity));
}

const CaseRegistrar kRacy({.pattern = "semaphore",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "a plain counter checked, then incremented",
                           .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
                           .found_by = {Detector::kTsan},
                           .sometimes_found_by = {Detector::kOracle},
                           .body = UseTogether<RacyGate, UnorderedRendezvous>,
                           .oracle = NeverOverCapacity});

const CaseRegistrar kCounting({.pattern = "semaphore",
                               .variant = "counting",
                               .expect = Expect::kClean,
                               .title = "std::counting_semaphore<2>",
                               .body = UseTogether<CountingGate, Spin>,
                               .oracle = NeverOverCapacity});

}  // namespace
}  // namespace racelab::cases::semaphore
