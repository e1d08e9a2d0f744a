// Buggy: the main thread joins a worker while holding the lock the worker
// needs to finish. The worker is let go only once the lock is taken, so the
// program hangs every time. Expected finding: deadlock (the wait-for cycle
// through the join, with the join's site).
#include <cstdio>
#include <latch>
#include <mutex>
#include <thread>

namespace {

std::mutex results_lock;
int results = 0;
std::latch lock_taken(1);

void Worker() {
  lock_taken.wait();
  std::lock_guard<std::mutex> lock(results_lock);  // held by main, which joins this thread
  ++results;
}

}  // namespace

int main() {
  std::thread worker(Worker);
  std::lock_guard<std::mutex> lock(results_lock);
  lock_taken.count_down();
  worker.join();  // waits for the worker, which waits for results_lock
  std::printf("%d results\n", results);
}
