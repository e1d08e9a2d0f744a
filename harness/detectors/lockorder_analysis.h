// Lock-order analysis across record files, for `racelab-lockorder report`:
// rebuilds each process's lock graph from its recorded edges, finds every
// cycle (guarded or not) with the threads and symbolised sites that make it
// up, and merges all files into a class view (locks grouped by the site
// that first took them) whose cycles are hints about instances that never
// met in one run, plus hints where the order between instances of a site
// pair depends on the data: a LockOrderAnalysis (harness/model/lock_order_graph.h),
// which writers in harness/report/ render.
#ifndef RACELAB_HARNESS_DETECTORS_LOCKORDER_ANALYSIS_H_
#define RACELAB_HARNESS_DETECTORS_LOCKORDER_ANALYSIS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/detectors/symbolizer.h"
#include "harness/lockorder/record_file.h"
#include "harness/model/finding.h"
#include "harness/model/lock_order_graph.h"

namespace racelab {

// Reads and analyses `paths`. Returns the first file's error ("file:line:
// what") when any file cannot be read or parsed: nothing is analysed then.
absl::StatusOr<LockOrderAnalysis> AnalyzeLockOrder(const std::vector<std::string>& paths,
                                                   const std::string& project_root,
                                                   Symbolizer& symbolizer);

// The analysis of record files already parsed (each from ParseRecording,
// which guarantees what the graph relies on: declared ids, no self-edge).
LockOrderAnalysis AnalyzeRecordings(const std::vector<lockorder::Recording>& recordings,
                                    const std::string& project_root, Symbolizer& symbolizer);

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_LOCKORDER_ANALYSIS_H_
