// cases/thread_pool — a pool of workers (ThreadPoolExecutor's submit / map
// / as_completed). kTasks squaring tasks run on kWorkers workers. In `racy`
// each task appends its result to one shared list with no lock
// (UnlockedList: read size, write slot, store size + 1), so two tasks
// running at once write the same slot and a result is lost. In `futures`
// each task returns its result through the std::future that Submit()
// gave back, and the caller collects them in order.
//
// Schedule: in `racy` the first task on each worker appends at the same
// moment (an UnorderedRendezvous), every run: a worker waiting there holds
// its task, so the next task necessarily goes to the other worker.
#include "harness/catalog/thread_pool.h"

#include <future>
#include <numeric>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/unlocked_list.h"
#include "harness/catalog/window.h"

namespace racelab::cases::thread_pool {
namespace {

constexpr int kWorkers = 2;
constexpr int kTasks = 10;

int Square(int n) { return n * n; }

// Where each task's result goes: two ways with one shape (Submit a task to
// the pool, Collect once the pool has drained), so the diff between them is
// the bug and its fix.

// Each task appends to one shared list with no lock: deliberately wrong
// (the bug under test).
class SharedList {
 public:
  void Submit(ThreadPool& pool, int n) {
    pool.Submit([this, n] {
      // Only the first two tasks meet (each worker's first); the rest pass.
      static thread_local bool first_on_this_worker = true;
      if (first_on_this_worker) {
        first_on_this_worker = false;
        UnorderedRendezvous window(first_tasks_);
        results_.Append(Square(n), window);
      } else {
        Spin window(first_tasks_);
        results_.Append(Square(n), window);
      }
    });
  }
  std::vector<int> Collect() { return results_.Contents(); }

 private:
  Meeting first_tasks_{kWorkers};
  UnlockedList<int> results_{kTasks};
};

// Each task returns its result through the future Submit() gives back.
class Futures {
 public:
  void Submit(ThreadPool& pool, int n) {
    futures_.push_back(pool.Submit([n] { return Square(n); }));
  }
  std::vector<int> Collect() {
    std::vector<int> collected;
    for (std::future<int>& future : futures_) collected.push_back(future.get());
    return collected;
  }

 private:
  std::vector<std::future<int>> futures_;
};

template <typename Results>
Observation SquareOnAPool() {
  Results results;
  {
    ThreadPool pool(kWorkers);
    for (int n = 1; n <= kTasks; ++n) results.Submit(pool, n);
  }  // the pool drains and joins its workers
  const std::vector<int> collected = results.Collect();
  const int sum = std::accumulate(collected.begin(), collected.end(), 0);
  return Observation{absl::StrCat("results=", collected.size(), " sum=", sum),
                     {static_cast<int>(collected.size()), sum}};
}

// Oracle: every task's result is there: kTasks results summing to 1² + … + kTasks².
absl::Status EveryResult(const Observation& observation) {
  constexpr int kExpectedSum = kTasks * (kTasks + 1) * (2 * kTasks + 1) / 6;
  if (observation.values.at(0) == kTasks && observation.values.at(1) == kExpectedSum) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(observation.values.at(0), " of ", kTasks,
                                                    " results, sum ", observation.values.at(1),
                                                    " (want ", kExpectedSum, ")"));
}

const CaseRegistrar kRacy({.pattern = "thread_pool",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "tasks append their results to a shared list with no lock",
                           .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
                           .found_by = {Detector::kTsan, Detector::kOracle},
                           .body = SquareOnAPool<SharedList>,
                           .oracle = EveryResult});

const CaseRegistrar kFutures({.pattern = "thread_pool",
                              .variant = "futures",
                              .expect = Expect::kClean,
                              .title = "results returned through the futures Submit() gives back",
                              .body = SquareOnAPool<Futures>,
                              .oracle = EveryResult});

}  // namespace
}  // namespace racelab::cases::thread_pool
