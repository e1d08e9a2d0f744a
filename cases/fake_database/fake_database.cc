// cases/fake_database — the tutorial's FakeDatabase: update() copies the
// value, waits a moment (the tutorial's time.sleep), and writes the copy
// back plus one. `racy` does it with no lock, so concurrent updaters all
// write back the same stale copy; `locked` holds a std::mutex across the
// whole read-copy-write. Both updaters have the same shape.
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"
#include "harness/catalog/window.h"

namespace racelab::cases::fake_database {
namespace {

constexpr int kUpdaters = 2;

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

// `racy` passes a Rendezvous between read and write-back: every updater has
// read the old value before any writes, so the update is lost on every run
// (the tutorial's sleep only makes it likely). `locked` passes the
// tutorial's Pause: meeting the other updater while holding the lock would
// deadlock, and the lock makes the pause harmless.
template <typename Database, typename UpdateWindow>
Observation UpdateTogether() {
  Database database;
  Meeting updaters(kUpdaters);
  RunTogether(kUpdaters, [&](int) {
    UpdateWindow window(updaters);
    database.Update(window);
  });
  const int value = database.value();
  return Observation{absl::StrCat("value=", value), {value}};
}

// Oracle: every update must show in the final value.
absl::Status EveryUpdateKept(const Observation& observation) {
  const std::int64_t value = observation.values.at(0);
  if (value == kUpdaters) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("value=", value, " after ", kUpdaters,
                                                    " updates: ", kUpdaters - value, " lost"));
}

const CaseRegistrar kRacy({.pattern = "fake_database",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "update() reads, pauses and writes back with no lock",
                           .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
                           .found_by = {Detector::kTsan, Detector::kOracle},
                           .body = UpdateTogether<RacyDatabase, Rendezvous>,
                           .oracle = EveryUpdateKept});

const CaseRegistrar kLocked({.pattern = "fake_database",
                             .variant = "locked",
                             .expect = Expect::kClean,
                             .title = "the whole read-pause-write under one std::mutex",
                             .body = UpdateTogether<LockedDatabase, Pause>,
                             .oracle = EveryUpdateKept});

}  // namespace
}  // namespace racelab::cases::fake_database
