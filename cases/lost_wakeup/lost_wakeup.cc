// cases/lost_wakeup — the chef waits for the kitchen staff (a condition
// variable). In `racy` the staff notify before the chef starts waiting, and
// the chef waits without a predicate, so the notification is lost and the
// chef waits forever. In `predicate` the staff set a flag under the lock
// and the chef waits for the flag, so the order no longer matters.
#include <condition_variable>
#include <latch>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"

namespace racelab::cases::lost_wakeup {
namespace {

// Deliberately wrong (the bug under test): a notification is not a state.
class RacyKitchen {
 public:
  void IngredientsReady() {
    std::lock_guard lock(mutex_);
    ingredients_ready_.notify_one();
  }
  void WaitForIngredients() {
    std::unique_lock lock(mutex_);
    ingredients_ready_.wait(lock);  // no predicate: a notify before this is lost
  }

 private:
  std::mutex mutex_;
  std::condition_variable ingredients_ready_;
};

class PredicateKitchen {
 public:
  void IngredientsReady() {
    std::lock_guard lock(mutex_);
    ready_ = true;
    ingredients_ready_.notify_one();
  }
  void WaitForIngredients() {
    std::unique_lock lock(mutex_);
    ingredients_ready_.wait(lock, [this] { return ready_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable ingredients_ready_;
  bool ready_ = false;  // guarded by mutex_
};

// Both variants run the same schedule: the staff finish before the chef
// starts waiting (forced with a latch, so `racy` loses the wakeup every
// run, not only when the scheduler happens to run the staff first).
template <typename Kitchen>
Observation CookAfterStaff() {
  Kitchen kitchen;
  std::latch staff_done(1);
  bool cooked = false;
  RunTogether(2, [&](int index) {
    if (index == 0) {
      kitchen.IngredientsReady();
      staff_done.count_down();
    } else {
      staff_done.wait();
      kitchen.WaitForIngredients();
      cooked = true;
    }
  });
  return Observation{cooked ? "cooked" : "not cooked", {cooked ? 1 : 0}};
}

// Oracle: the chef cooked.
absl::Status ChefCooked(const Observation& observation) {
  if (observation.values.at(0) == 1) return absl::OkStatus();
  return absl::FailedPreconditionError("the chef never cooked");
}

const CaseRegistrar kRacy(
    {.pattern = "lost_wakeup",
     .variant = "racy",
     .expect = Expect::kBug,
     .title = "the staff notify before the chef waits; the chef waits without a predicate",
     .bug_kinds = {FindingKind::kHang},
     .found_by = {Detector::kWatchdog},
     .body = CookAfterStaff<RacyKitchen>,
     .oracle = ChefCooked});

const CaseRegistrar kPredicate({.pattern = "lost_wakeup",
                                .variant = "predicate",
                                .expect = Expect::kClean,
                                .title = "a flag set under the lock, and a wait with a predicate",
                                .body = CookAfterStaff<PredicateKitchen>,
                                .oracle = ChefCooked});

}  // namespace
}  // namespace racelab::cases::lost_wakeup
