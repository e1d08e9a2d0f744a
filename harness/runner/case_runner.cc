// Catalog case runner (see case_runner.h).
#include "harness/runner/case_runner.h"

#include <optional>

#include "harness/detectors/detector.h"
#include "harness/process/child_process.h"
#include "harness/runner/run_collection.h"

namespace racelab {

absl::Duration EffectiveTimeout(const CaseSpec& spec, const RunOptions& options) {
  if (options.timeout) return *options.timeout;
  if (spec.timeout > absl::ZeroDuration()) return spec.timeout;
  return options.default_timeout;
}

std::optional<RunRecord> RunCatalogCaseOnce(const CaseSpec& spec, const RunOptions& options,
                                            int run, Symbolizer& symbolizer) {
  RunSubject subject = CatalogSubject();
  subject.project_root = options.project_root;
  subject.timeout = EffectiveTimeout(spec, options);
  subject.quiet_period = options.quiet_period;
  subject.perturb = options.perturb;
  if (spec.perturbed && !subject.perturb) subject.perturb = schedule::Perturbation{};
  symbolizer.KnowModule(options.case_binary);
  RunState state;
  const auto prepare = [&](const std::string& scratch_dir, ChildSpec& child) {
    child.argv = {options.case_binary, "__child", spec.Id(), scratch_dir + "/result"};
    PrepareRun(subject, scratch_dir, state, child);
  };
  const auto collect = [&](const ChildOutcome& outcome, const std::string& scratch_dir) {
    return CollectRun(outcome, scratch_dir, subject, state, symbolizer);
  };
  return RunInScratchDir(prepare, collect, options.keep_lockorder_dir,
                         KeptRunPrefix(spec.pattern, spec.variant, run + 1));
}

std::vector<RunRecord> RunCatalogCase(const CaseSpec& spec, const RunOptions& options,
                                      Symbolizer& symbolizer) {
  std::vector<RunRecord> records;
  for (int run = 0; run < options.repeat && InterruptedBy() == 0; ++run) {
    std::optional<RunRecord> record = RunCatalogCaseOnce(spec, options, run, symbolizer);
    if (!record) break;
    records.push_back(*std::move(record));
  }
  return records;
}

}  // namespace racelab
