// A benchmark loop of lock/unlock pairs run below a chain of frames that
// keep their frame pointers, so that the lock-order hooks' site walk goes
// its full length (kMaxSiteFrames frames), as it does in programs built
// with frame pointers (every sanitizer build; debug builds). Used by
// lockorder_benchmark; its own translation unit so that it alone is built
// with -fno-omit-frame-pointer.
#ifndef RACELAB_HARNESS_LOCKORDER_FRAMED_LOCK_LOOP_H_
#define RACELAB_HARNESS_LOCKORDER_FRAMED_LOCK_LOOP_H_

#include <mutex>

#include "benchmark/benchmark.h"

namespace racelab::lockorder {

// Runs `state`'s timing loop, locking and unlocking `mutex` once per
// iteration, `frames` calls below the caller.
void LockPairsBelowFrames(benchmark::State& state, std::mutex& mutex, int frames);

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_FRAMED_LOCK_LOOP_H_
