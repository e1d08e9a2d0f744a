// cases/counter — the unlocked counter: several threads increment one shared
// int. `racy` uses a plain int, so `++value_` (load, add, store) from two
// threads loses updates; `locked` takes a std::mutex around it; `atomic` uses
// std::atomic<int>::fetch_add. The three counters have the same shape, so
// the diff between them is the bug and its two fixes.
#include <atomic>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"

namespace racelab::cases::counter {
namespace {

constexpr int kThreads = 4;
constexpr int kIncrementsPerThread = 100'000;

// Deliberately unsynchronised (the bug under test): no lock, no atomic.
class RacyCounter {
 public:
  void Increment() { ++value_; }
  int Get() const { return value_; }

 private:
  int value_ = 0;
};

class LockedCounter {
 public:
  void Increment() {
    std::lock_guard lock(mutex_);
    ++value_;
  }
  int Get() {
    std::lock_guard lock(mutex_);
    return value_;
  }

 private:
  std::mutex mutex_;
  int value_ = 0;  // guarded by mutex_
};

class AtomicCounter {
 public:
  // Relaxed suffices: only the final total matters, and join() orders it.
  void Increment() { value_.fetch_add(1, std::memory_order_relaxed); }
  int Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int> value_{0};
};

template <typename Counter>
Observation IncrementTogether() {
  Counter counter;
  RunTogether(kThreads, [&counter](int) {
    for (int i = 0; i < kIncrementsPerThread; ++i) {
      counter.Increment();
      // A compiler-only fence (no instruction, no synchronisation, invisible
      // to TSan): it keeps an optimiser from folding the racy loop into one
      // `value_ += 100000`, so the increments stay separate, as in the
      // tutorial's interpreted loop, in every preset.
      std::atomic_signal_fence(std::memory_order_seq_cst);
    }
  });
  const int total = counter.Get();
  return Observation{absl::StrCat("counter=", total), {total}};
}

// Oracle: no increment may be lost.
absl::Status EveryIncrementCounted(const Observation& observation) {
  constexpr std::int64_t kExpected = std::int64_t{kThreads} * kIncrementsPerThread;
  const std::int64_t total = observation.values.at(0);
  if (total == kExpected) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("counter=", total, ", expected ", kExpected,
                                                    ": ", kExpected - total, " increments lost"));
}

const CaseRegistrar kRacy({.pattern = "counter",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "threads increment a shared int with no lock",
                           .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
                           .found_by = {Detector::kTsan},
                           .sometimes_found_by = {Detector::kOracle},
                           .body = IncrementTogether<RacyCounter>,
                           .oracle = EveryIncrementCounted});

const CaseRegistrar kLocked({.pattern = "counter",
                             .variant = "locked",
                             .expect = Expect::kClean,
                             .title = "every increment under one std::mutex",
                             .body = IncrementTogether<LockedCounter>,
                             .oracle = EveryIncrementCounted});

const CaseRegistrar kAtomic({.pattern = "counter",
                             .variant = "atomic",
                             .expect = Expect::kClean,
                             .title = "std::atomic<int>::fetch_add",
                             .body = IncrementTogether<AtomicCounter>,
                             .oracle = EveryIncrementCounted});

}  // namespace
}  // namespace racelab::cases::counter
