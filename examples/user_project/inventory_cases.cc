// The example's own racelab cases (racelab::catalog): one pattern, the move
// between two warehouses, as a racy variant and its fix, run and judged by
// racelab exactly as the catalog's cases are. Built into `inventory_cases`,
// which is racelab with these cases in its catalog:
//   build/inventory_cases list
//   build/inventory_cases run --repeat 10
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"
#include "inventory.h"

namespace user_project {
namespace {

constexpr int kMovesPerThread = 100;
constexpr int kStock = 1000;

// One thread moves stock from a to b and then a second moves it back, never
// at the same time: no run can deadlock, yet with MoveInArgumentOrder the
// two lock orders disagree (a deadlock waiting for the two to overlap).
template <auto MoveFunction>
racelab::Observation MoveOneWayThenBack() {
  Warehouse a, b;
  a.Add(kStock);
  b.Add(kStock);
  for (int direction = 0; direction < 2; ++direction) {
    racelab::RunTogether(1, [&](int) {
      for (int i = 0; i < kMovesPerThread; ++i) {
        if (direction == 0) {
          MoveFunction(a, b, 1);
        } else {
          MoveFunction(b, a, 1);
        }
      }
    });
  }
  const std::int64_t total = a.Count() + b.Count();
  return racelab::Observation{absl::StrCat("total=", total), {total}};
}

// Oracle: moves never create or lose stock.
absl::Status StockConserved(const racelab::Observation& observation) {
  if (observation.values.at(0) == 2 * kStock) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(observation.summary, ", expected ", 2 * kStock));
}

const racelab::CaseRegistrar kRacy({
    .pattern = "inventory_move",
    .variant = "racy",
    .expect = racelab::Expect::kBug,
    .title = "a to b locks a first, b to a locks b first (MoveInArgumentOrder)",
    .bug_kinds = {racelab::FindingKind::kLockOrderInversion},
    .found_by = {racelab::Detector::kLockorder},
    .body = MoveOneWayThenBack<Warehouse::MoveInArgumentOrder>,
    .oracle = StockConserved,
});
const racelab::CaseRegistrar kScopedLock({
    .pattern = "inventory_move",
    .variant = "scoped_lock",
    .expect = racelab::Expect::kClean,
    .title = "both mutexes taken at once (Move, std::scoped_lock)",
    .body = MoveOneWayThenBack<Warehouse::Move>,
    .oracle = StockConserved,
});

}  // namespace
}  // namespace user_project
