// racelab's lock-order checker as a detector (see lockorder_detector.h).
#include "harness/detectors/lockorder_detector.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "harness/detectors/lockorder_findings.h"
#include "harness/lockorder/protocol.h"

namespace racelab {
namespace {

// A script gets the preload library too: it reaches the programs the script
// starts.
bool PreloadReaches(const ProgramTraits& program) {
  return program.preload_reaches_locks || !program.is_elf;
}

class Lockorder : public RunDetector {
 public:
  Detector id() const override { return Detector::kLockorder; }

  Applicability AppliesTo(const RunSubject& subject) const override {
    if (subject.kind == RunSubject::Kind::kCatalogCase) return {};  // the hooks are linked in
    const std::string invisible =
        "lock-order inversions that did not hang this run, self-deadlocks and lock misuse are "
        "invisible (a hang is still caught)";
    if (subject.preload_library.empty()) {
      return {false, "the preload library was not found", invisible,
              "keep libracelab_lockorder_preload.so next to racelab"};
    }
    if (subject.program == nullptr || PreloadReaches(*subject.program)) return {};
    return {false, subject.program->why_no_preload, invisible,
            subject.program->static_executable
                ? "link it dynamically"
                : "build it with gcc (whose sanitizer runtimes are shared libraries) or "
                  "without a sanitizer"};
  }

  void Prepare(const RunSubject& subject, const std::string& scratch_dir, RunState&,
               ChildSpec& child) const override {
    child.env.emplace_back(lockorder::kRecordFileVariable, absl::StrCat(scratch_dir, "/lockorder"));
    if (subject.kind == RunSubject::Kind::kCatalogCase || !AppliesTo(subject).applies) return;
    // Ours first: the user's own preloads come after.
    const char* user = std::getenv("LD_PRELOAD");
    child.env.emplace_back("LD_PRELOAD", user != nullptr && *user != '\0'
                                             ? absl::StrCat(subject.preload_library, ":", user)
                                             : subject.preload_library);
    // gcc's ASan runtime insists on being first in the library list; the
    // preload library does not instrument anything, so that order is moot.
    AppendOptions(child, "ASAN_OPTIONS", "verify_asan_link_order=0");
  }

  void Collect(RunLeftovers& leftovers, RunRecord& record) const override {
    for (const lockorder::Recording& recording : leftovers.Recordings(record.error)) {
      for (Finding& finding :
           LockOrderFindings(recording, leftovers.subject().project_root, leftovers.symbolizer())) {
        record.findings.push_back(std::move(finding));
      }
    }
  }
};

}  // namespace

const RunDetector& LockorderDetector() {
  static const Lockorder kDetector;
  return kDetector;
}

}  // namespace racelab
