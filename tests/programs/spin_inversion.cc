// Buggy, though every run ends: two threads take the same two spin locks
// in opposite orders, one after the other. Had they overlapped, each would
// spin for ever on the other's lock. Expected: a lock-order inversion
// (lines 17, 18, 25, 26).
#include <pthread.h>

#include <cstdio>
#include <thread>

namespace {

pthread_spinlock_t stats_lock;
pthread_spinlock_t ring_lock;
long dropped = 0;

void CountDrop() {
  pthread_spin_lock(&stats_lock);
  pthread_spin_lock(&ring_lock);
  ++dropped;
  pthread_spin_unlock(&ring_lock);
  pthread_spin_unlock(&stats_lock);
}

void DrainRing() {
  pthread_spin_lock(&ring_lock);
  pthread_spin_lock(&stats_lock);
  dropped = 0;
  pthread_spin_unlock(&stats_lock);
  pthread_spin_unlock(&ring_lock);
}

}  // namespace

int main() {
  pthread_spin_init(&stats_lock, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_init(&ring_lock, PTHREAD_PROCESS_PRIVATE);
  std::thread counter(CountDrop);
  counter.join();
  std::thread drainer(DrainRing);
  drainer.join();
  pthread_spin_destroy(&ring_lock);
  pthread_spin_destroy(&stats_lock);
  std::printf("%ld dropped\n", dropped);
}
