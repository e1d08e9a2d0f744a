// Command-line parsing for `racelab` (shared/DESIGN.md "Commands"). Pure:
// turns argv into a Command or a usage error; runs nothing. Any thread.
#ifndef RACELAB_TOOLS_RACELAB_CLI_FLAGS_H_
#define RACELAB_TOOLS_RACELAB_CLI_FLAGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "harness/schedule/pct_schedule.h"

namespace racelab {

struct Command {
  enum class Verb { kHelp, kList, kRun, kMerge, kChild };
  Verb verb = Verb::kHelp;
  // run
  std::string filter;  // glob over case ids; empty = all
  int repeat = 1;
  std::optional<int> jobs;  // --jobs N: runs at once (default: the usable CPUs)
  // --shard I/N: this process does part I (0-based) of N of the cases ×
  // repeats (the environment's GTEST_TOTAL_SHARDS/GTEST_SHARD_INDEX else).
  std::optional<std::pair<int, int>> shard;
  std::optional<absl::Duration> timeout;
  std::optional<absl::Duration> quiet_period;  // --quiet-period: blocked this long = hung
  // Report format name ("json", harness/report/report_formats.def) → FILE.
  std::map<std::string, std::string> report_paths;
  bool expect_bug = false;    // --expect bug (black-box mode only)
  int exit_code = 0;          // --exit-code N: the status PROGRAM should end with
  std::string lockorder_dir;  // keep lock-order record files here
  // --perturb: seeded PCT schedules (--perturb-depth, --seed imply it).
  bool perturb = false;
  int perturb_depth = schedule::kDefaultDepth;
  std::optional<std::uint64_t> seed;  // every run's seed; none: a new one per run
  bool gtest = false;                 // --gtest: PROGRAM's GoogleTest tests are the cases
  std::string gtest_filter;           // --gtest_filter: which of them ("" = all)
  std::vector<std::string> program;   // after `--`: black-box mode
  // merge: the JSON reports to merge (report_paths: where the merged goes)
  std::vector<std::string> merge_inputs;
  // __child (internal: the runner's re-execution of the binary)
  std::string child_case_id;
  std::string child_result_path;
};

// Parses argv[1..]. Returns InvalidArgument with a one-line message for a
// usage error (unknown command or flag, missing or malformed value).
absl::StatusOr<Command> ParseCommandLine(const std::vector<std::string>& args);

// "I/N" (--shard, and what GTEST_SHARD_INDEX and GTEST_TOTAL_SHARDS say):
// shard I, 0-based, of N. InvalidArgument says what is wrong with `text`.
absl::StatusOr<std::pair<int, int>> ParseShard(absl::string_view text);

// The --help text.
std::string UsageText();

}  // namespace racelab

#endif  // RACELAB_TOOLS_RACELAB_CLI_FLAGS_H_
