// How racelab asks a run for a perturbed schedule: one environment
// variable, read by the hooks when the program loads (catalog children and
// black-box programs alike, every process of the run). Parsing allocates
// nothing: the preload library reads it in its constructor.
#ifndef RACELAB_HARNESS_SCHEDULE_PERTURB_PROTOCOL_H_
#define RACELAB_HARNESS_SCHEDULE_PERTURB_PROTOCOL_H_

#include <cstdint>

namespace racelab::schedule {

// "<seed>:<depth>", both decimal: the run's PCT seed and depth.
inline constexpr char kPerturbVariable[] = "RACELAB_PERTURB";

struct PerturbRequest {
  std::uint64_t seed = 0;
  int depth = 0;
};

// Parses the variable's value; false when it is not "<seed>:<depth>" with
// a seed that fits 64 bits and a depth of 1..99.
inline bool ParsePerturbRequest(const char* text, PerturbRequest& request) {
  if (text == nullptr || *text < '0' || *text > '9') return false;
  std::uint64_t seed = 0;
  for (; *text >= '0' && *text <= '9'; ++text) {
    const std::uint64_t digit = static_cast<std::uint64_t>(*text - '0');
    if (seed > (UINT64_MAX - digit) / 10) return false;
    seed = seed * 10 + digit;
  }
  if (*text++ != ':' || *text < '0' || *text > '9') return false;
  int depth = 0;
  for (; *text >= '0' && *text <= '9'; ++text) {
    depth = depth * 10 + (*text - '0');
    if (depth > 99) return false;
  }
  if (*text != '\0' || depth < 1) return false;
  request = PerturbRequest{seed, depth};
  return true;
}

}  // namespace racelab::schedule

#endif  // RACELAB_HARNESS_SCHEDULE_PERTURB_PROTOCOL_H_
