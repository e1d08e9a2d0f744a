// Occupancy: how many threads are inside a region at once, and the most
// there ever were. Oracles use it to catch "more than N inside" (a pan, a
// gate) independently of the synchronisation under test. Any thread;
// atomics only, so it adds no ordering a sanitizer would see as a lock.
#ifndef RACELAB_HARNESS_CATALOG_OCCUPANCY_H_
#define RACELAB_HARNESS_CATALOG_OCCUPANCY_H_

#include <atomic>

namespace racelab {

class Occupancy {
 public:
  void Enter() {
    const int now = inside_.fetch_add(1) + 1;
    int seen = most_.load();
    while (now > seen && !most_.compare_exchange_weak(seen, now)) {
    }
  }
  void Leave() { inside_.fetch_sub(1); }
  // The most threads inside at one moment so far.
  int most() const { return most_.load(); }

 private:
  std::atomic<int> inside_{0};
  std::atomic<int> most_{0};
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_CATALOG_OCCUPANCY_H_
