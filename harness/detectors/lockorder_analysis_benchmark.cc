// Costs of reading and analysing lock-order records as they grow (run in
// the `release` preset):
//   build/release/harness/lockorder_analysis_benchmark
// - parsing a record file of one process whose N locks form one N-edge
//   cycle (each edge naming the one lock held), as the checker writes it;
// - analysing that recording (`racelab-lockorder report`'s work, sites
//   left unsymbolised): the cycle found and laid out step by step.
// Both should grow linearly with N.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "harness/detectors/lockorder_analysis.h"
#include "harness/lockorder/record_file.h"

namespace racelab {
namespace {

// Locks 0..n-1 taken in a ring: i while requesting i+1, and n-1 while
// requesting 0, each by thread 1 at two sites.
std::string RingRecordFile(int n) {
  std::string text =
      "racelab-lockorder/1\nprocess 1 /bin/true\nmodule 0 /bin/true\n"
      "thread 1 10\nsite 0 0+0x10\nsite 1 0+0x20\n";
  for (int i = 0; i < n; ++i)
    absl::StrAppend(&text, "lock ", i, " mutex 0x", absl::Hex(4096 + 64 * i), " 0\n");
  for (int i = 0; i < n; ++i)
    absl::StrAppend(&text, "edge ", i, " ", (i + 1) % n, " 1 0 1 ", i, "\n");
  return text;
}

void BM_ParseRing(benchmark::State& state) {
  const std::string text = RingRecordFile(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    absl::StatusOr<lockorder::Recording> recording = lockorder::ParseRecording(text, "ring");
    if (!recording.ok()) state.SkipWithError("the ring did not parse");
    benchmark::DoNotOptimize(recording);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ParseRing)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_AnalyzeRing(benchmark::State& state) {
  absl::StatusOr<lockorder::Recording> recording =
      lockorder::ParseRecording(RingRecordFile(static_cast<int>(state.range(0))), "ring");
  if (!recording.ok()) {
    state.SkipWithError("the ring did not parse");
    return;
  }
  std::vector<lockorder::Recording> recordings;  // built once: the loop times the analysis only
  recordings.push_back(*std::move(recording));
  Symbolizer symbolizer(Symbolizer::Mode::kNone);
  for (auto _ : state) {
    LockOrderAnalysis analysis = AnalyzeRecordings(recordings, "/src", symbolizer);
    if (analysis.cycles.size() != 1) state.SkipWithError("the ring's cycle was not found");
    benchmark::DoNotOptimize(analysis);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AnalyzeRing)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace racelab

BENCHMARK_MAIN();
