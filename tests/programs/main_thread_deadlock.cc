// Buggy: a deadlock with the main thread in its cycle. main takes the
// config lock and starts a reloader that takes the cache lock; once both
// hold theirs, the reloader asks for the config lock and main for the cache
// lock. Expected finding: deadlock (watchdog), as soon as the cycle closes
// when the preload library reaches the program, else once every thread has
// stayed blocked for the quiet period.
#include <cstdio>
#include <latch>
#include <mutex>
#include <thread>

namespace {

std::mutex config_lock;
std::mutex cache_lock;
std::latch both_hold(2);

void Reload() {
  std::lock_guard<std::mutex> cache(cache_lock);
  both_hold.arrive_and_wait();
  std::lock_guard<std::mutex> config(config_lock);
  std::puts("reloaded");
}

}  // namespace

int main() {
  std::lock_guard<std::mutex> config(config_lock);
  std::thread reloader(Reload);
  both_hold.arrive_and_wait();
  {
    std::lock_guard<std::mutex> cache(cache_lock);
    std::puts("cache flushed");
  }
  reloader.join();
}
