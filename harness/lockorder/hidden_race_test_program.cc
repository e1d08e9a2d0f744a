// A program with one data race and no other synchronisation between its two
// threads, for preload_test: the hooks must not hide the race from
// ThreadSanitizer. The reader reads `shared_value` and then takes the
// program's first lock; only then does the writer take a lock of its own
// and write the value. Any happens-before that the hooks' own work (their
// initialisation, per-thread setup, finding the next pthread function)
// created from the reader's lock to the writer's would hide the race;
// without one, TSan reports it in every run. The order is forced with a relaxed flag, which TSan
// does not count as synchronisation.
#include <sched.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

int shared_value = 0;
std::mutex reader_lock;
std::mutex writer_lock;
alignas(64) std::atomic<bool> reader_has_locked{false};

}  // namespace

int main() {
  int seen = -1;
  std::thread reader([&seen] {
    seen = shared_value;
    { std::lock_guard lock(reader_lock); }
    reader_has_locked.store(true, std::memory_order_relaxed);
  });
  std::thread writer([] {
    while (!reader_has_locked.load(std::memory_order_relaxed)) sched_yield();
    { std::lock_guard lock(writer_lock); }
    shared_value = 1;
  });
  reader.join();
  writer.join();
  std::printf("reader saw %d\n", seen);
  return 0;
}
