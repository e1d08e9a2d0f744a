// See framed_lock_loop.h. Built with -fno-omit-frame-pointer.
#include "harness/lockorder/framed_lock_loop.h"

namespace racelab::lockorder {

void LockPairsBelowFrames(benchmark::State& state, std::mutex& mutex, int frames) {
  if (frames > 0) {
    LockPairsBelowFrames(state, mutex, frames - 1);
    benchmark::ClobberMemory();  // keeps this frame: no tail call
    return;
  }
  for (auto _ : state) {
    mutex.lock();
    mutex.unlock();
  }
}

}  // namespace racelab::lockorder
