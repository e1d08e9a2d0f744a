// cases/bank_account — check-then-act: two customers withdraw from one
// account. `racy` checks the balance outside the lock and withdraws inside
// it, so both can pass the check before either withdraws and the balance
// goes negative; `locked` checks and withdraws in one critical section.
// The two accounts have the same shape; where the lock starts is the diff.
#include <atomic>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"
#include "harness/catalog/window.h"

namespace racelab::cases::bank_account {
namespace {

constexpr int kCustomers = 2;
constexpr int kOpeningBalance = 100;
constexpr int kWithdrawal = 80;

class RacyAccount {
 public:
  // Returns whether the money was paid out.
  bool Withdraw(int amount, Window& window) {
    if (balance_ < amount) return false;  // the check, outside the lock (the bug)
    window.Pass();
    std::lock_guard lock(mutex_);
    balance_ -= amount;  // the act, on a balance that may have changed
    return true;
  }
  int balance() {
    std::lock_guard lock(mutex_);
    return balance_;
  }

 private:
  std::mutex mutex_;
  int balance_ = kOpeningBalance;  // written under mutex_, read without it (the bug)
};

class LockedAccount {
 public:
  bool Withdraw(int amount, Window& window) {
    std::lock_guard lock(mutex_);
    if (balance_ < amount) return false;
    window.Pass();
    balance_ -= amount;
    return true;
  }
  int balance() {
    std::lock_guard lock(mutex_);
    return balance_;
  }

 private:
  std::mutex mutex_;
  int balance_ = kOpeningBalance;  // guarded by mutex_
};

// `racy` passes an UnorderedRendezvous between check and act, so both
// customers have checked before either withdraws, every run, without
// ordering the accesses for ThreadSanitizer. `locked` passes a Spin: the
// rendezvous would deadlock inside its critical section.
template <typename Account, typename CheckActWindow>
Observation WithdrawTogether() {
  Account account;
  Meeting customers(kCustomers);
  std::atomic<int> paid_out{0};
  RunTogether(kCustomers, [&](int) {
    CheckActWindow window(customers);
    if (account.Withdraw(kWithdrawal, window)) paid_out.fetch_add(kWithdrawal);
  });
  const int balance = account.balance();
  return Observation{absl::StrCat("balance=", balance, " paid=", paid_out.load()),
                     {balance, paid_out.load()}};
}

// Oracle: never overdrawn, and the ledger adds up.
absl::Status NeverOverdrawn(const Observation& observation) {
  const std::int64_t balance = observation.values.at(0), paid = observation.values.at(1);
  if (balance < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("balance went negative: ", balance, " after paying out ", paid));
  }
  if (balance + paid != kOpeningBalance) {
    return absl::FailedPreconditionError(absl::StrCat("ledger mismatch: balance ", balance,
                                                      " + paid ", paid, " != ", kOpeningBalance));
  }
  return absl::OkStatus();
}

const CaseRegistrar kRacy({.pattern = "bank_account",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "the balance check is outside the lock (check-then-act)",
                           .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
                           .found_by = {Detector::kTsan, Detector::kOracle},
                           .body = WithdrawTogether<RacyAccount, UnorderedRendezvous>,
                           .oracle = NeverOverdrawn});

const CaseRegistrar kLocked({.pattern = "bank_account",
                             .variant = "locked",
                             .expect = Expect::kClean,
                             .title = "check and withdraw in one critical section",
                             .body = WithdrawTogether<LockedAccount, Spin>,
                             .oracle = NeverOverdrawn});

}  // namespace
}  // namespace racelab::cases::bank_account
