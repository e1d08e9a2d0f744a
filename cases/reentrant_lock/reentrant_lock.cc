// cases/reentrant_lock — a lock acquired twice by the same thread. An
// inventory's public Add() takes its lock and then calls the public Count()
// helper, which takes the same lock again. `racy` uses a std::mutex, which
// is not re-entrant: the thread waits for itself forever. `recursive` uses
// std::recursive_mutex; `split` keeps std::mutex and has Add() call a
// private CountLocked() that expects the lock to be held.
#include <mutex>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"

namespace racelab::cases::reentrant_lock {
namespace {

constexpr int kWorkers = 2;
constexpr int kItemsPerWorker = 100;

// Deliberately wrong (the bug under test): Count() re-locks the mutex Add() holds.
class RacyInventory {
 public:
  int Add(int item) {
    std::lock_guard lock(mutex_);
    items_.push_back(item);
    return Count();  // takes mutex_ again
  }
  int Count() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(items_.size());
  }

 private:
  std::mutex mutex_;
  std::vector<int> items_;  // guarded by mutex_
};

class RecursiveInventory {
 public:
  int Add(int item) {
    std::lock_guard lock(mutex_);
    items_.push_back(item);
    return Count();  // a recursive_mutex may be re-taken by its holder
  }
  int Count() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(items_.size());
  }

 private:
  std::recursive_mutex mutex_;
  std::vector<int> items_;  // guarded by mutex_
};

class SplitInventory {
 public:
  int Add(int item) {
    std::lock_guard lock(mutex_);
    items_.push_back(item);
    return CountLocked();
  }
  int Count() {
    std::lock_guard lock(mutex_);
    return CountLocked();
  }

 private:
  int CountLocked() { return static_cast<int>(items_.size()); }  // requires mutex_
  std::mutex mutex_;
  std::vector<int> items_;  // guarded by mutex_
};

template <typename Inventory>
Observation AddTogether() {
  Inventory inventory;
  RunTogether(kWorkers, [&inventory](int worker) {
    for (int i = 0; i < kItemsPerWorker; ++i) inventory.Add(worker * kItemsPerWorker + i);
  });
  const int count = inventory.Count();
  return Observation{absl::StrCat("items=", count), {count}};
}

// Oracle: every item added is there.
absl::Status EveryItemKept(const Observation& observation) {
  const std::int64_t count = observation.values.at(0);
  if (count == kWorkers * kItemsPerWorker) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("items=", count, ", expected ", kWorkers * kItemsPerWorker));
}

const CaseRegistrar kRacy({.pattern = "reentrant_lock",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "a helper re-locks the std::mutex its caller holds",
                           .bug_kinds = {FindingKind::kSelfDeadlock, FindingKind::kDeadlock,
                                         FindingKind::kHang},
                           .found_by = {Detector::kLockorder, Detector::kWatchdog},
                           .body = AddTogether<RacyInventory>,
                           .oracle = EveryItemKept});

const CaseRegistrar kRecursive({.pattern = "reentrant_lock",
                                .variant = "recursive",
                                .expect = Expect::kClean,
                                .title = "std::recursive_mutex, which its holder may take again",
                                .body = AddTogether<RecursiveInventory>,
                                .oracle = EveryItemKept});

const CaseRegistrar kSplit({.pattern = "reentrant_lock",
                            .variant = "split",
                            .expect = Expect::kClean,
                            .title = "std::mutex, with a private helper that expects it held",
                            .body = AddTogether<SplitInventory>,
                            .oracle = EveryItemKept});

}  // namespace
}  // namespace racelab::cases::reentrant_lock
