// Correct: the main thread joins the worker while holding the lock the
// worker takes, but only after the worker said, under that lock, that it
// has handed its result in and will not take the lock again: no schedule
// deadlocks. A lock-order graph with a node per thread's end (as lockdep
// models completions) would order the lock before the join here as in
// join_under_lock and report this program; racelab finds a join under a
// lock by the wait-for cycle it closes, in whatever schedule runs (the
// seeded ones of --perturb included). Expected: clean.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace {

std::mutex results_lock;
std::condition_variable handed_in;
std::vector<long> results;
bool worker_done = false;  // guarded by results_lock

long SumOfSquares(long count) {
  long sum = 0;
  for (long i = 0; i < count; ++i) sum += i * i % 7;
  return sum;
}

void Worker() {
  const long share = SumOfSquares(1'000);
  std::lock_guard<std::mutex> lock(results_lock);
  results.push_back(share);
  worker_done = true;
  handed_in.notify_one();
}

}  // namespace

int main() {
  std::thread worker(Worker);
  const long own = SumOfSquares(200'000);
  std::unique_lock<std::mutex> lock(results_lock);
  results.push_back(own);
  handed_in.wait(lock, [] { return worker_done; });
  worker.join();  // under results_lock, which the worker no longer needs
  std::printf("%zu results\n", results.size());
}
