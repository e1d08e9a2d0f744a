// A session's runs over threads and shards (see parallel_runs.h).
#include "harness/session/parallel_runs.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "harness/process/child_process.h"
#include "harness/session/annotated_mutex.h"

namespace racelab {
namespace {

// What the workers share: the units this shard does, ascending, handed out
// in that order, and a slot for each one's record.
class Units {
 public:
  Units(int repeats, const Shard& shard, int cases) : repeats_(repeats) {
    for (int unit = 0; unit < cases * repeats; ++unit) {
      if (shard.Owns(unit)) owned_.push_back(unit);
    }
    slots_.resize(owned_.size());
  }

  // The place in `owned_` of the next unit to run, or -1 when none is left
  // or racelab was interrupted (nothing new starts then).
  int Next() {
    const size_t taken = next_.fetch_add(1, std::memory_order_relaxed);
    if (taken >= owned_.size() || InterruptedBy() != 0) return -1;
    return static_cast<int>(taken);
  }
  int unit(int taken) const { return owned_[taken]; }
  int count() const { return static_cast<int>(owned_.size()); }
  // Whether the unit taken is the first of its case this shard does.
  bool FirstOfItsCase(int taken) const {
    return taken == 0 || owned_[taken - 1] / repeats_ != owned_[taken] / repeats_;
  }

  void Store(int taken, std::optional<RunRecord> record) {
    AnnotatedLock lock(mutex_);
    slots_[taken] = std::move(record);
  }

  // Once every worker is done: the records by case (see RunAll).
  std::vector<std::optional<std::vector<RunRecord>>> ByCase(int cases) {
    AnnotatedLock lock(mutex_);
    std::vector<std::optional<std::vector<RunRecord>>> results(cases);
    for (std::optional<std::vector<RunRecord>>& result : results) result.emplace();
    std::vector<bool> unfinished(cases, false);
    for (size_t taken = 0; taken < owned_.size(); ++taken) {
      const int c = owned_[taken] / repeats_;
      if (!slots_[taken]) {
        unfinished[c] = true;  // not run, or interrupted
      } else {
        results[c]->push_back(*std::move(slots_[taken]));
      }
    }
    for (int c = 0; c < cases; ++c) {
      if (unfinished[c]) results[c].reset();
    }
    return results;
  }

 private:
  const int repeats_;
  std::vector<int> owned_;
  std::atomic<size_t> next_{0};
  AnnotatedMutex mutex_;
  std::vector<std::optional<RunRecord>> slots_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace

std::vector<std::optional<std::vector<RunRecord>>> RunAll(
    int cases, int repeats, int jobs, const Shard& shard, const RunOne& run_one,
    const std::function<void(int case_index)>& on_case_start) {
  Units units(repeats, shard, cases);
  AnnotatedMutex start_mutex;
  const auto work = [&] {
    Symbolizer symbolizer;
    for (int taken = units.Next(); taken >= 0; taken = units.Next()) {
      const int unit = units.unit(taken);
      if (units.FirstOfItsCase(taken) && on_case_start) {
        AnnotatedLock lock(start_mutex);
        on_case_start(unit / repeats);
      }
      units.Store(taken, run_one(unit / repeats, unit % repeats, symbolizer));
    }
  };
  std::vector<std::thread> workers;
  // No more threads than units: an idle worker would only come and go.
  const int threads = std::max(1, std::min(jobs, units.count()));
  for (int i = 1; i < threads; ++i) workers.emplace_back(work);
  work();
  for (std::thread& worker : workers) worker.join();
  return units.ByCase(cases);
}

int UsableCpus() {
  cpu_set_t cpus;
  if (::sched_getaffinity(0, sizeof cpus, &cpus) != 0) return 1;
  return std::max(CPU_COUNT(&cpus), 1);
}

}  // namespace racelab
