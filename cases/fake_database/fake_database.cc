// cases/fake_database — the tutorial's FakeDatabase: update() copies the
// value, waits a moment (the tutorial's time.sleep), and writes the copy
// back plus one. `racy` does it with no lock, so concurrent updaters all
// write back the same stale copy; `locked` holds a std::mutex across the
// whole read-copy-write. Both updaters have the same shape.
#include <chrono>
#include <latch>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"

namespace racelab::cases {
namespace {

constexpr int kUpdaters = 2;

// The pause between reading the value and writing it back.
class Window {
 public:
  virtual ~Window() = default;
  virtual void Pass() = 0;
};

// For `racy`: a forced schedule, not a sleep that hopes for one. Every
// updater waits here until all have read the old value, so the lost update
// happens on every run (the tutorial's sleep only makes it likely).
class EveryoneHasReadWindow : public Window {
 public:
  void Pass() override { everyone_has_read_.arrive_and_wait(); }

 private:
  std::latch everyone_has_read_{kUpdaters};
};

// For `locked`: the tutorial's pause itself. Rendezvousing inside the lock
// would deadlock, and the lock makes the length of the pause irrelevant.
class TutorialPauseWindow : public Window {
 public:
  void Pass() override { std::this_thread::sleep_for(std::chrono::milliseconds(1)); }
};

// Deliberately unsynchronised (the bug under test).
class RacyDatabase {
 public:
  void Update(Window& window) {
    int local_copy = value_;
    ++local_copy;
    window.Pass();
    value_ = local_copy;
  }
  int value() const { return value_; }

 private:
  int value_ = 0;
};

class LockedDatabase {
 public:
  void Update(Window& window) {
    std::lock_guard lock(mutex_);
    int local_copy = value_;
    ++local_copy;
    window.Pass();
    value_ = local_copy;
  }
  int value() {
    std::lock_guard lock(mutex_);
    return value_;
  }

 private:
  std::mutex mutex_;
  int value_ = 0;  // guarded by mutex_
};

template <typename Database, typename PauseWindow>
Observation UpdateTogether() {
  Database database;
  PauseWindow window;
  RunTogether(kUpdaters, [&](int) { database.Update(window); });
  const int value = database.value();
  return Observation{absl::StrCat("value=", value), {value}};
}

// Oracle: every update must show in the final value.
absl::Status EveryUpdateKept(const Observation& observation) {
  const std::int64_t value = observation.values.at(0);
  if (value == kUpdaters) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "value=", value, " after ", kUpdaters, " updates: ", kUpdaters - value, " lost"));
}

const CaseRegistrar kRacy({
    .pattern = "fake_database", .variant = "racy", .expect = Expect::kBug,
    .title = "update() reads, pauses and writes back with no lock",
    .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
    .found_by = {Detector::kTsan, Detector::kOracle},
    .body = UpdateTogether<RacyDatabase, EveryoneHasReadWindow>, .oracle = EveryUpdateKept});

const CaseRegistrar kLocked({
    .pattern = "fake_database", .variant = "locked", .expect = Expect::kClean,
    .title = "the whole read-pause-write under one std::mutex",
    .body = UpdateTogether<LockedDatabase, TutorialPauseWindow>, .oracle = EveryUpdateKept});

}  // namespace
}  // namespace racelab::cases
