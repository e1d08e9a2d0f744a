// The exit statuses every racelab command ends with (shared/DESIGN.md):
// `racelab` and `racelab-lockorder` say the same thing with the same number.
#ifndef RACELAB_HARNESS_MODEL_EXIT_STATUS_H_
#define RACELAB_HARNESS_MODEL_EXIT_STATUS_H_

namespace racelab {

enum ExitStatus : int {
  // Everything as expected (racelab run), no unguarded cycle
  // (racelab-lockorder report), or a listing or help text printed.
  kExitSuccess = 0,
  // What was looked for says there is a problem: a racy case missed, a
  // correct one with findings, a finding in a program expected clean (or
  // none in one expected buggy); an unguarded lock-order cycle.
  kExitFindings = 1,
  // The tool could not do its job: a usage error, bad input, a case the
  // harness could not run, a program that cannot be started, a report
  // that cannot be written, an interrupted run.
  kExitFailure = 2,
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_MODEL_EXIT_STATUS_H_
