// Catalog case runner (see case_runner.h).
#include "harness/runner/case_runner.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "harness/detectors/symbolizer.h"
#include "harness/lockorder/wait_dump.h"
#include "harness/runner/child_process.h"
#include "harness/runner/run_collection.h"

namespace racelab {
namespace {

namespace fs = std::filesystem;

}  // namespace

absl::Duration EffectiveTimeout(const CaseSpec& spec, const RunOptions& options) {
  if (options.timeout) return *options.timeout;
  if (spec.timeout > absl::ZeroDuration()) return spec.timeout;
  return options.default_timeout;
}

std::vector<RunRecord> RunCatalogCase(const CaseSpec& spec, const RunOptions& options) {
  std::vector<RunRecord> records;
  const absl::Duration timeout = EffectiveTimeout(spec, options);
  Symbolizer symbolizer;
  for (int run = 0; run < options.repeat && InterruptedBy() == 0; ++run) {
    const std::string scratch_dir = MakeScratchDir();
    if (scratch_dir.empty()) {
      RunRecord record;
      record.error = "cannot create a scratch directory under $TMPDIR or /tmp";
      records.push_back(std::move(record));
      continue;
    }
    ChildSpec child;
    child.argv = {options.case_binary, "__child", spec.Id(), scratch_dir + "/result"};
    child.env = ScratchEnvironment(scratch_dir);
    child.timeout = timeout;
    child.diagnosis_signal = lockorder::WaitDumpSignal();
    child.diagnosis_done = [&scratch_dir] { return WaitDumpComplete(scratch_dir); };
    absl::StatusOr<ChildOutcome> outcome = RunChild(child);
    std::error_code ignored;
    if (absl::IsCancelled(outcome.status())) {  // interrupted: the run did not finish
      fs::remove_all(scratch_dir, ignored);
      break;
    }
    if (outcome.ok()) {
      records.push_back(
          CollectRun(*outcome, scratch_dir, options.project_root, timeout, symbolizer));
    } else {
      RunRecord record;
      record.error = std::string(outcome.status().message());
      records.push_back(std::move(record));
    }
    const std::string kept = KeepLockOrderRecords(
        scratch_dir, options.keep_lockorder_dir,
        KeptRunPrefix(spec.pattern, spec.variant, run + 1));
    if (!kept.empty() && records.back().error.empty()) records.back().error = kept;
    fs::remove_all(scratch_dir, ignored);
  }
  return records;
}

}  // namespace racelab
