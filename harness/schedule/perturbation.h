// racelab's side of `--perturb`: what a session asks of its runs, and each
// run's seed (drawn here, or the one the user gave to replay a run), handed
// to the run through RACELAB_PERTURB (perturb_protocol.h); the hooks in the
// program do the rest (harness/lockorder/schedule_hooks.h).
#ifndef RACELAB_HARNESS_SCHEDULE_PERTURBATION_H_
#define RACELAB_HARNESS_SCHEDULE_PERTURBATION_H_

#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "harness/schedule/pct_schedule.h"

namespace racelab::schedule {

struct Perturbation {
  int depth = kDefaultDepth;          // PCT's d (pct_schedule.h)
  std::optional<std::uint64_t> seed;  // every run's; none: each run draws its own
};

// A new seed, from the OS's entropy. Below 2^32: short to type, and exact
// as a number in any JSON reader (the hooks mix it before use).
inline std::uint64_t NewSeed() {
  std::random_device entropy;
  return std::uint64_t{entropy()} & 0xffffffffULL;
}

// RACELAB_PERTURB's value for a run with `seed` at `depth`.
inline std::string PerturbValue(std::uint64_t seed, int depth) {
  return std::to_string(seed) + ":" + std::to_string(depth);
}

}  // namespace racelab::schedule

#endif  // RACELAB_HARNESS_SCHEDULE_PERTURBATION_H_
