// What the two runners (catalog cases and black-box programs) share about
// one run: a private scratch directory, the environment that sends every
// sanitizer log and lock-order record into it, and the collection of what a
// run left there into a RunRecord of findings. Detection only.
#ifndef RACELAB_HARNESS_RUNNER_RUN_COLLECTION_H_
#define RACELAB_HARNESS_RUNNER_RUN_COLLECTION_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "harness/detectors/symbolizer.h"
#include "harness/detectors/watchdog.h"
#include "harness/model/run_record.h"
#include "harness/process/child_process.h"

namespace racelab {

// A fresh private directory under $TMPDIR (or /tmp); "" when none can be made.
std::string MakeScratchDir();

// Who symbolises ThreadSanitizer's reports: the child as it writes them
// (any program: it knows its own modules), or the runner afterwards
// (report_symbols.h), for children whose binary the Symbolizer knows.
enum class ReportSymbols { kInTheChild, kByTheRunner };

// Variables that send the run's ThreadSanitizer, AddressSanitizer, UBSan
// logs and lock-order records into `scratch_dir` (the user's own sanitizer
// options are kept, ours appended so that they win).
std::vector<std::pair<std::string, std::string>> ScratchEnvironment(
    const std::string& scratch_dir, ReportSymbols symbols = ReportSymbols::kInTheChild);

// How many lock-order record files in `scratch_dir` end a wait dump.
int CompleteWaitDumps(const std::string& scratch_dir);

// Sets `child`'s watch and before_kill so that the run is judged by its
// state: every `watch_interval` the threads of every process of the run are
// sampled into `watchdog`, and the run is stopped once it judges them hung.
// Before the kill (after a stop or at the timeout), `collect_stacks` (when
// set) runs on the program, then every process of the run that installed
// the lock-order wait-dump handler is asked for its wait-for state. Both
// `watchdog` and `collect_stacks` must outlive the run.
void WatchRun(Watchdog& watchdog, const std::string& scratch_dir,
              const std::function<void(int pid)>& collect_stacks, ChildSpec& child);

// Whether the child was asked to write a result file (catalog cases are; a
// black-box program is not, and its exit code is its own business).
enum class ResultFile { kExpected, kNone };

// Turns how a child ended and what it left in `scratch_dir` into a record.
// `symbolizer` resolves lock-order sites; share one across runs. `watchdog`
// (may be null) is the one WatchRun fed during the run: it says whether a
// run that reached its timeout was still making progress.
RunRecord CollectRun(const ChildOutcome& outcome, const std::string& scratch_dir,
                     const std::string& project_root, absl::Duration timeout,
                     Symbolizer& symbolizer, const Watchdog* watchdog,
                     ResultFile result_file = ResultFile::kExpected);

// The name prefix of the kept record files of run `run` (1-based) of a
// case: "<pattern>.<variant>.run<N>.".
std::string KeptRunPrefix(const std::string& pattern, const std::string& variant, int run);

// Copies the run's lock-order record files into `keep_dir` (when not empty)
// as <prefix><pid>.lockorder. Returns "" or what could not be copied.
std::string KeepLockOrderRecords(const std::string& scratch_dir, const std::string& keep_dir,
                                 const std::string& prefix);

// The record files in `keep_dir` whose names start with `prefix`, sorted.
std::vector<std::string> KeptLockOrderFiles(const std::string& keep_dir, const std::string& prefix);

// One run of one child in a fresh scratch directory, removed afterwards:
// `prepare` fills the child's spec for that directory, `collect` turns how
// it ended into a record, and the run's lock-order record files are kept in
// `keep_dir` (when not empty) under `keep_prefix`. Returns nullopt when
// racelab was interrupted (the run did not finish), a record with `error`
// when the child could not be run at all.
std::optional<RunRecord> RunInScratchDir(
    const std::function<void(const std::string& scratch_dir, ChildSpec& child)>& prepare,
    const std::function<RunRecord(const ChildOutcome& outcome, const std::string& scratch_dir)>&
        collect,
    const std::string& keep_dir, const std::string& keep_prefix);

// The last `count` non-empty lines the child printed, oldest first.
std::string LastOutputLines(const ChildOutcome& outcome, int count);

}  // namespace racelab

#endif  // RACELAB_HARNESS_RUNNER_RUN_COLLECTION_H_
