// The watchdog's judgement of a running program, by state rather than by
// the clock: fed samples of every thread of the run (thread_states.h), it
// says when the run is hung — every thread of the program asleep in a wait
// only another of its threads could end, and none of them scheduled for a
// quiet period — and, when the backstop timeout comes, whether the run was
// still making progress (slow or livelocked: a `timeout`, not a `hang`).
// Pure logic over the samples it is given; thread-compatible.
#ifndef RACELAB_HARNESS_DETECTORS_WATCHDOG_H_
#define RACELAB_HARNESS_DETECTORS_WATCHDOG_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "harness/detectors/thread_states.h"
#include "harness/model/evidence.h"

namespace racelab {

inline constexpr absl::Duration kDefaultQuietPeriod = absl::Milliseconds(200);

class Watchdog {
 public:
  explicit Watchdog(absl::Duration quiet_period = kDefaultQuietPeriod)
      : quiet_period_(quiet_period) {}

  // Takes the sample of every thread of the run taken at `now` (samples
  // come in time order; one may end at its first running thread). Returns true once the run is
  // hung: in this sample and every sample of the last quiet period, every thread of the program was
  // blocked, and none of them ran (their CPU time and scheduling counts did not move, no thread
  // came or went).
  bool Observe(std::vector<ThreadSample> sample, absl::Time now);

  // Whether a thread of the program ran, was runnable, or came or went
  // within `window` before the last sample (true before any sample).
  bool ProgressedWithin(absl::Duration window) const;

  // How long every thread has been blocked without running, as of the last
  // sample (zero when they are not).
  absl::Duration blocked_for() const;

  absl::Duration quiet_period() const { return quiet_period_; }

  // The program's threads in the last sample (pid 12, its name, thread 14:
  // "blocked in futex wait").
  std::vector<ThreadState> ThreadStates() const;

 private:
  struct Seen {
    std::uint64_t cpu_ns = 0;
    std::uint64_t run_count = 0;
  };
  const absl::Duration quiet_period_;
  std::vector<ThreadSample> last_;
  std::map<pid_t, Seen> seen_;  // by thread id, the program's threads in the last sample
  bool sampled_ = false;
  absl::Time last_sample_time_;
  absl::Time last_progress_;
  bool all_blocked_ = false;
  absl::Time blocked_since_;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_WATCHDOG_H_
