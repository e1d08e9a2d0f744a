// cases/missing_join — boil water, then make coffee. The water is boiled on
// another thread. `racy` makes the coffee without joining that thread
// first (it joins only at the end), so the coffee may be made with cold
// water and the read of the kettle races with the write; `joined` joins the
// water thread before making coffee.
#include <functional>
#include <thread>

#include "absl/status/status.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/window.h"

namespace racelab::cases::missing_join {
namespace {

struct Kitchen {
  bool water_boiled = false;  // written by the water thread, read by the cook
  // Racy variant only: the water boils only after the cook has looked, an
  // order forced every run without hiding the race from TSan.
  UnorderedSignal cook_has_looked;
};

void BoilWater(Kitchen& kitchen, bool wait_for_cook) {
  if (wait_for_cook) kitchen.cook_has_looked.AwaitRaised();
  kitchen.water_boiled = true;
}

// Returns whether the coffee was made with boiled water.
bool MakeCoffee(Kitchen& kitchen) {
  const bool hot = kitchen.water_boiled;
  kitchen.cook_has_looked.Raise();
  return hot;
}

// One morning. The variants differ only in where the water thread is
// joined: `join_first` joins it before the coffee; the racy cook makes the
// coffee first (the bug) and joins at the end.
template <bool join_first>
Observation Morning() {
  Kitchen kitchen;
  std::thread water(BoilWater, std::ref(kitchen), /*wait_for_cook=*/!join_first);
  if (join_first) water.join();
  const bool hot = MakeCoffee(kitchen);
  if (!join_first) water.join();
  return Observation{hot ? "hot coffee" : "cold coffee", {hot ? 1 : 0}};
}

// Oracle: the coffee is made after the water boiled.
absl::Status CoffeeAfterWater(const Observation& observation) {
  if (observation.values.at(0) == 1) return absl::OkStatus();
  return absl::FailedPreconditionError("coffee was made before the water boiled");
}

const CaseRegistrar kRacy({.pattern = "missing_join",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "coffee is made without joining the water thread",
                           .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
                           .found_by = {Detector::kTsan, Detector::kOracle},
                           .body = Morning</*join_first=*/false>,
                           .oracle = CoffeeAfterWater});

const CaseRegistrar kJoined({.pattern = "missing_join",
                             .variant = "joined",
                             .expect = Expect::kClean,
                             .title = "join the water thread, then make coffee",
                             .body = Morning</*join_first=*/true>,
                             .oracle = CoffeeAfterWater});

}  // namespace
}  // namespace racelab::cases::missing_join
