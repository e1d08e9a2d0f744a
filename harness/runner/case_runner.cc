// Catalog case runner (see case_runner.h).
#include "harness/runner/case_runner.h"

#include <optional>

#include "harness/detectors/watchdog.h"
#include "harness/process/child_process.h"
#include "harness/runner/run_collection.h"

namespace racelab {

absl::Duration EffectiveTimeout(const CaseSpec& spec, const RunOptions& options) {
  if (options.timeout) return *options.timeout;
  if (spec.timeout > absl::ZeroDuration()) return spec.timeout;
  return options.default_timeout;
}

std::vector<RunRecord> RunCatalogCase(const CaseSpec& spec, const RunOptions& options,
                                      Symbolizer& symbolizer) {
  std::vector<RunRecord> records;
  const absl::Duration timeout = EffectiveTimeout(spec, options);
  std::optional<Watchdog> watchdog;  // one per run
  symbolizer.KnowModule(options.case_binary);
  const auto prepare = [&](const std::string& scratch_dir, ChildSpec& child) {
    child.argv = {options.case_binary, "__child", spec.Id(), scratch_dir + "/result"};
    child.env = ScratchEnvironment(scratch_dir, ReportSymbols::kByTheRunner);
    child.timeout = timeout;
    watchdog.emplace(options.quiet_period);
    WatchRun(*watchdog, scratch_dir, nullptr, child);
  };
  const auto collect = [&](const ChildOutcome& outcome, const std::string& scratch_dir) {
    return CollectRun(outcome, scratch_dir, options.project_root, timeout, symbolizer, &*watchdog);
  };
  for (int run = 0; run < options.repeat && InterruptedBy() == 0; ++run) {
    std::optional<RunRecord> record =
        RunInScratchDir(prepare, collect, options.keep_lockorder_dir,
                        KeptRunPrefix(spec.pattern, spec.variant, run + 1));
    if (!record) break;
    records.push_back(*std::move(record));
  }
  return records;
}

}  // namespace racelab
