// A detector, as the runners see it: one unit per detector (tsan, asan,
// lockorder, watchdog, oracle, crash), each in its own file pair beside
// this one. A detector says whether it applies to what is about to run,
// prepares the run (environment variables, how the run is watched), and
// turns what the run left into findings. The runners only loop over
// AllRunDetectors(); adding a detector is its own files (picked up by the
// build) plus its line in harness/model/detectors.def, which gives it its
// enumerator, its name and its place in that list; see CONTRIBUTING.md.
//
// Detectors are stateless and shared; what one run needs from its start to
// its collection lives in RunState. Detection only: findings are data.
#ifndef RACELAB_HARNESS_DETECTORS_DETECTOR_H_
#define RACELAB_HARNESS_DETECTORS_DETECTOR_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "harness/detectors/symbolizer.h"
#include "harness/detectors/watchdog.h"
#include "harness/lockorder/record_file.h"
#include "harness/model/detector_note.h"
#include "harness/model/finding.h"
#include "harness/model/program_traits.h"
#include "harness/model/run_record.h"
#include "harness/process/child_process.h"
#include "harness/schedule/perturbation.h"

namespace racelab {

// What is about to run, as the detectors need to know it.
struct RunSubject {
  // A catalog case runs in racelab's own case binary and writes a result
  // file; a program (black-box mode) is anything else.
  enum class Kind { kCatalogCase, kProgram };
  Kind kind = Kind::kCatalogCase;
  bool tsan = false;  // built with ThreadSanitizer (a case: racelab's own build)
  bool asan = false;  // built with AddressSanitizer
  // Programs only.
  const ProgramTraits* program = nullptr;
  std::string preload_library;  // the lock-order preload library; "" = not found
  std::string gdb;              // gdb, for every thread's stack of a hung run; "" = none
  int expected_exit_code = 0;   // any other exit status is an exit-status finding
  std::string gtest_test;       // --gtest: the one test this run runs ("Suite.Name"); "" none
  // Every run.
  std::string project_root;  // locations inside it are made relative to it
  absl::Duration timeout = absl::Seconds(10);
  absl::Duration quiet_period = kDefaultQuietPeriod;  // see Watchdog
  std::optional<schedule::Perturbation> perturb;      // --perturb: seeded schedules
};

// A catalog case of this build of racelab (tsan and asan as it was built).
RunSubject CatalogSubject();

// Whether a detector applies to a subject; when it does not, why, what the
// run cannot show because of it, and what to change (all "" when that needs
// no saying, as for a script, whose program racelab cannot inspect).
struct Applicability {
  bool applies = true;
  std::string why_not;    // "not built with -fsanitize=thread"
  std::string invisible;  // "data races are invisible to this build"
  std::string remedy;     // "rebuild it with -fsanitize=thread"
};

// What one run needs between its preparation and its collection.
struct RunState {
  std::optional<Watchdog> watchdog;   // fed while the run goes on (watchdog_detector.h)
  std::string stacks;                 // every thread's stack (gdb), taken before a kill
  std::optional<std::uint64_t> seed;  // the run's schedule seed, when perturbed
};

// What a run left, read once for every detector that asks.
class RunLeftovers {
 public:
  RunLeftovers(const ChildOutcome& outcome, const std::string& scratch_dir,
               const RunSubject& subject, const RunState& state, Symbolizer& symbolizer)
      : outcome_(outcome),
        scratch_dir_(scratch_dir),
        subject_(subject),
        state_(state),
        symbolizer_(symbolizer) {}
  RunLeftovers(const RunLeftovers&) = delete;
  RunLeftovers& operator=(const RunLeftovers&) = delete;

  const ChildOutcome& outcome() const { return outcome_; }
  const std::string& scratch_dir() const { return scratch_dir_; }
  const RunSubject& subject() const { return subject_; }
  const RunState& state() const { return state_; }
  Symbolizer& symbolizer() const { return symbolizer_; }

  // The sanitizer logs the run wrote (tsan.*, asan.*, ubsan.*: the runtimes
  // share one log_path flag, and clang's TSan runtime also reads
  // UBSAN_OPTIONS), then what the child printed, frames symbolised.
  const std::vector<std::string>& SanitizerTexts();
  // The lock-order record files the run's processes wrote, parsed; a file
  // that cannot be read sets `error` (the first one only).
  const std::vector<lockorder::Recording>& Recordings(std::string& error);

 private:
  const ChildOutcome& outcome_;
  const std::string& scratch_dir_;
  const RunSubject& subject_;
  const RunState& state_;
  Symbolizer& symbolizer_;
  std::optional<std::vector<std::string>> sanitizer_texts_;
  std::optional<std::vector<lockorder::Recording>> recordings_;
  std::string recordings_error_;
};

class RunDetector {
 public:
  virtual ~RunDetector() = default;
  virtual Detector id() const = 0;
  virtual Applicability AppliesTo(const RunSubject& subject) const = 0;
  // Adds what a run in `scratch_dir` needs to `child` (its environment,
  // its watch); called for every detector, applying or not.
  virtual void Prepare(const RunSubject& /*subject*/, const std::string& /*scratch_dir*/,
                       RunState& /*state*/, ChildSpec& /*child*/) const {}
  // Adds what the run left to `record`: findings, or an error when what it
  // left cannot be read. Called in AllRunDetectors() order, so a detector
  // sees the findings of those before it.
  virtual void Collect(RunLeftovers& leftovers, RunRecord& record) const = 0;
};

// Every detector, in the order their findings are collected (detectors.def).
const std::vector<const RunDetector*>& AllRunDetectors();

// The detectors that apply to `subject`, and a note for each of the others
// that has something to say.
std::vector<Detector> ApplicableDetectors(const RunSubject& subject);
std::vector<DetectorNote> InapplicableDetectorNotes(const RunSubject& subject);

// The detectors this build carries for its catalog: lockorder, oracle,
// watchdog and crash always; tsan under the thread sanitizer; asan under
// the address sanitizer.
std::vector<Detector> ActiveDetectors();
bool IsDetectorActive(Detector detector);

// Sets variable `name` in `child`'s environment to `options`, after the
// value racelab itself was started with (so that ours, which racelab
// depends on, win), or appends `options` to the value a detector before
// set.
void AppendOptions(ChildSpec& child, const std::string& name, const std::string& options);
// The value `name` has in `child`'s environment; nullptr when unset.
std::string* FindEnvironmentValue(ChildSpec& child, const std::string& name);

// The last `count` non-empty lines the child printed, oldest first.
std::string LastOutputLines(const ChildOutcome& outcome, int count);

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_DETECTOR_H_
