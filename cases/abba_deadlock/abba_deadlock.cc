// cases/abba_deadlock — the AB/BA deadlock: two accounts, each with its own
// mutex, and two threads moving money in opposite directions. `racy` locks
// the source account first, so one thread takes A then B and the other B
// then A; `ordered` always locks the lower-numbered account first. The two
// transfer functions have the same shape; the lock order is the diff.
#include <latch>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"
#include "harness/catalog/window.h"

namespace racelab::cases::abba_deadlock {
namespace {

constexpr int kTransfersPerThread = 1000;
constexpr int kOpeningBalance = 1'000'000;

struct Account {
  int number;
  std::mutex mutex;
  int balance = kOpeningBalance;  // guarded by mutex
};

// Locks the source first: AB in one direction, BA in the other.
void RacyTransfer(Account& from, Account& to, int amount, Window& window) {
  std::lock_guard first(from.mutex);
  window.Pass();
  std::lock_guard second(to.mutex);
  from.balance -= amount;
  to.balance += amount;
}

// Locks the lower-numbered account first, whatever the direction.
void OrderedTransfer(Account& from, Account& to, int amount, Window& window) {
  Account& low = from.number < to.number ? from : to;
  Account& high = from.number < to.number ? to : from;
  std::lock_guard first(low.mutex);
  window.Pass();
  std::lock_guard second(high.mutex);
  from.balance -= amount;
  to.balance += amount;
}

// `racy` passes a Rendezvous after the first lock: both threads hold their
// first lock before either asks for its second, so the run deadlocks on its
// first transfer, every time. `ordered` passes a Spin, the worst case for it.
// Whether the two directions run at the same time, or the second starts only
// once the first has finished (so no run can ever deadlock).
enum class Timing { kOverlapping, kOneAfterTheOther };

template <auto Transfer, typename PassWindow, Timing kTiming = Timing::kOverlapping>
Observation TransferBothWays() {
  Account a{.number = 1};
  Account b{.number = 2};
  Meeting both_hold_first_lock(2);
  std::latch first_direction_done(1);
  RunTogether(2, [&](int index) {
    PassWindow window(both_hold_first_lock);
    if (kTiming == Timing::kOneAfterTheOther && index == 1) first_direction_done.wait();
    for (int i = 0; i < kTransfersPerThread; ++i) {
      if (index == 0) {
        Transfer(a, b, 1, window);
      } else {
        Transfer(b, a, 2, window);
      }
    }
    if (index == 0) first_direction_done.count_down();
  });
  const int total = a.balance + b.balance;
  return Observation{absl::StrCat("total=", total), {total}};
}

// Oracle: transfers move money, they never create or destroy it.
absl::Status MoneyConserved(const Observation& observation) {
  const std::int64_t total = observation.values.at(0);
  if (total == 2 * kOpeningBalance) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("total=", total, ", expected ", 2 * kOpeningBalance));
}

const CaseRegistrar kRacy({.pattern = "abba_deadlock",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "thread 1 locks A then B, thread 2 locks B then A",
                           .bug_kinds = {FindingKind::kLockOrderInversion, FindingKind::kDeadlock,
                                         FindingKind::kHang},
                           .found_by = {Detector::kLockorder, Detector::kWatchdog},
                           .body = TransferBothWays<RacyTransfer, Rendezvous>,
                           .oracle = MoneyConserved});

const CaseRegistrar kRacyLatent(
    {.pattern = "abba_deadlock",
     .variant = "racy_latent",
     .expect = Expect::kBug,
     .title = "A then B, and later (never at the same time) B then A: a deadlock waiting to happen",
     .bug_kinds = {FindingKind::kLockOrderInversion},
     .found_by = {Detector::kLockorder},
     .body = TransferBothWays<RacyTransfer, Spin, Timing::kOneAfterTheOther>,
     .oracle = MoneyConserved});

const CaseRegistrar kOrdered({.pattern = "abba_deadlock",
                              .variant = "ordered",
                              .expect = Expect::kClean,
                              .title = "both threads lock the lower-numbered account first",
                              .body = TransferBothWays<OrderedTransfer, Spin>,
                              .oracle = MoneyConserved});

}  // namespace
}  // namespace racelab::cases::abba_deadlock
