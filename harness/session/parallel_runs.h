// The runs of a session spread over worker threads (`racelab run --jobs N`)
// and, across machines, over shards (`--shard I/N`, GoogleTest's
// GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX). A session's work is cases ×
// repeats: run r of case c is unit c * repeats + r, units are handed out in
// that order, and shard I of N does the units whose number is I modulo N, so
// that N shards together do every unit exactly once, whatever each shard's
// jobs. Results come back by case and run number, never by finishing order,
// so a report does not depend on --jobs.
#ifndef RACELAB_HARNESS_SESSION_PARALLEL_RUNS_H_
#define RACELAB_HARNESS_SESSION_PARALLEL_RUNS_H_

#include <functional>
#include <optional>
#include <vector>

#include "harness/detectors/symbolizer.h"
#include "harness/model/run_record.h"

namespace racelab {

// Which part of a session's units one process does.
struct Shard {
  int index = 0;  // 0-based
  int count = 1;
  bool Owns(int unit) const { return unit % count == index; }
};

// One run: case `case_index`'s run `run` (0-based), with the calling
// worker's symbolizer. nullopt when the run did not finish (interrupted).
using RunOne = std::function<std::optional<RunRecord>(int case_index, int run, Symbolizer&)>;

// For each case, the records of the runs this shard did, in run order; a
// case is nullopt when one of them did not finish (racelab was
// interrupted), and an empty vector when the shard owns none of its runs.
// `on_case_start(case_index)` is called once per case, as its first unit
// starts, from the worker that starts it (never two at once).
std::vector<std::optional<std::vector<RunRecord>>> RunAll(
    int cases, int repeats, int jobs, const Shard& shard, const RunOne& run_one,
    const std::function<void(int case_index)>& on_case_start);

// The number of CPUs this process may run on (at least 1): --jobs' default.
int UsableCpus();

}  // namespace racelab

#endif  // RACELAB_HARNESS_SESSION_PARALLEL_RUNS_H_
