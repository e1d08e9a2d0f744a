// The gate locks of a lock-order cycle: the locks held at every step of it
// that are not themselves in it. A thread can only take the cycle's steps
// while holding its gate, so no two of them run at once and the cycle
// cannot deadlock: it is reported as guarded. The checker (as a cycle
// closes) and the report tool (replaying record files) share this rule.
// Pure; any thread.
#ifndef RACELAB_HARNESS_LOCKORDER_GATE_LOCKS_H_
#define RACELAB_HARNESS_LOCKORDER_GATE_LOCKS_H_

#include <algorithm>
#include <vector>

#include "harness/lockorder/records.h"

namespace racelab::lockorder {

// `held_at_steps[i]`: the locks held when step i of the cycle was taken
// (oldest first); `cycle`: the cycle's locks. The gates, oldest first (in
// the first step's order). Any containers of lock ids (the checker keeps
// its own in its arena).
template <typename Steps, typename Cycle>
std::vector<LockId> GateLocksOf(const Steps& held_at_steps, const Cycle& cycle) {
  std::vector<LockId> gates;
  if (held_at_steps.empty()) return gates;
  const auto contains = [](const auto& locks, LockId lock) {
    return std::find(locks.begin(), locks.end(), lock) != locks.end();
  };
  for (LockId candidate : held_at_steps.front()) {
    if (contains(cycle, candidate) || contains(gates, candidate)) continue;
    const bool everywhere =
        std::all_of(held_at_steps.begin() + 1, held_at_steps.end(),
                    [&](const auto& held) { return contains(held, candidate); });
    if (everywhere) gates.push_back(candidate);
  }
  return gates;
}

inline std::vector<LockId> GateLocks(const std::vector<std::vector<LockId>>& held_at_steps,
                                     const std::vector<LockId>& cycle) {
  return GateLocksOf(held_at_steps, cycle);
}

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_GATE_LOCKS_H_
