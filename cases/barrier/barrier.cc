// cases/barrier — threads wait for each other between two phases. In phase
// one each worker writes its own slot; in phase two each reads every slot.
// `racy` hand-rolls the barrier on a plain counter: `arrived = arrived + 1`
// from every thread loses arrivals, so the count never reaches the number
// of workers and they all wait for it forever (on a condition variable);
// the counter itself is a data race. `std_barrier` uses std::barrier.
//
// Schedule: in `racy` every worker reads the counter before any writes it
// back (an UnorderedRendezvous, invisible to TSan), so arrivals are lost
// every run.
#include <barrier>
#include <condition_variable>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"
#include "harness/catalog/window.h"

namespace racelab::cases::barrier {
namespace {

constexpr int kWorkers = 3;

// Deliberately unsynchronised (the bug under test).
class RacyBarrier {
 public:
  explicit RacyBarrier(Meeting& meeting) : meeting_(meeting) {}
  void ArriveAndWait() {
    UnorderedRendezvous window(meeting_);
    const int seen = arrived_;
    window.Pass();
    arrived_ = seen + 1;  // outside the lock: the bug
    std::unique_lock lock(mutex_);
    arrival_.notify_all();
    arrival_.wait(lock, [this] { return arrived_ >= kWorkers; });
  }

 private:
  Meeting& meeting_;
  std::mutex mutex_;
  std::condition_variable arrival_;
  int arrived_ = 0;
};

class StdBarrier {
 public:
  explicit StdBarrier(Meeting&) {}
  void ArriveAndWait() { barrier_.arrive_and_wait(); }

 private:
  std::barrier<> barrier_{kWorkers};
};

template <typename Barrier>
Observation TwoPhases() {
  Meeting workers(kWorkers);
  Barrier barrier(workers);
  int slots[kWorkers] = {};
  int sums[kWorkers] = {};
  RunTogether(kWorkers, [&](int worker) {
    slots[worker] = worker + 1;  // phase one
    barrier.ArriveAndWait();
    for (int slot : slots) sums[worker] += slot;  // phase two
  });
  int short_sums = 0;
  for (int sum : sums) short_sums += sum == kWorkers * (kWorkers + 1) / 2 ? 0 : 1;
  return Observation{absl::StrCat("workers_missing_a_slot=", short_sums), {short_sums}};
}

// Oracle: every worker saw every phase-one write in phase two.
absl::Status EverySlotSeen(const Observation& observation) {
  if (observation.values.at(0) == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(observation.values.at(0), " workers started phase two early"));
}

const CaseRegistrar kRacy(
    {.pattern = "barrier",
     .variant = "racy",
     .expect = Expect::kBug,
     .title = "a hand-rolled barrier on a plain counter loses arrivals and spins forever",
     .bug_kinds = {FindingKind::kDataRace, FindingKind::kHang},
     .found_by = {Detector::kWatchdog, Detector::kTsan},
     .body = TwoPhases<RacyBarrier>,
     .oracle = EverySlotSeen});

const CaseRegistrar kStdBarrier({.pattern = "barrier",
                                 .variant = "std_barrier",
                                 .expect = Expect::kClean,
                                 .title = "std::barrier between the phases",
                                 .body = TwoPhases<StdBarrier>,
                                 .oracle = EverySlotSeen});

}  // namespace
}  // namespace racelab::cases::barrier
