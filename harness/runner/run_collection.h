// What the two runners (catalog cases and black-box programs) share about
// one run: a private scratch directory, the detectors' preparation of the
// child, and the collection of what the run left there into a RunRecord of
// findings. Detection only.
#ifndef RACELAB_HARNESS_RUNNER_RUN_COLLECTION_H_
#define RACELAB_HARNESS_RUNNER_RUN_COLLECTION_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/detectors/detector.h"
#include "harness/detectors/symbolizer.h"
#include "harness/model/run_record.h"
#include "harness/process/child_process.h"

namespace racelab {

// A fresh private directory under $TMPDIR (or /tmp); "" when none can be made.
std::string MakeScratchDir();

// Prepares `child` for a run of `subject` in `scratch_dir`: each detector
// (harness/detectors/detector.h) adds what it needs (its environment, the
// watch over the run). `state` must outlive the run and be handed to
// CollectRun.
void PrepareRun(const RunSubject& subject, const std::string& scratch_dir, RunState& state,
                ChildSpec& child);

// Turns how a child ended and what it left in `scratch_dir` into a record:
// each detector's findings, in AllRunDetectors() order. `symbolizer`
// resolves sites; share one across runs.
RunRecord CollectRun(const ChildOutcome& outcome, const std::string& scratch_dir,
                     const RunSubject& subject, const RunState& state, Symbolizer& symbolizer);

// The name prefix of the kept record files of run `run` (1-based) of a
// case: "<pattern>.<variant>.run<N>." (a slash in the variant becomes '-').
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

}  // namespace racelab

#endif  // RACELAB_HARNESS_RUNNER_RUN_COLLECTION_H_
