// racelab's own children that are there on purpose — the guards of the runs
// going on (child_process.cc) and helpers kept across runs (PipedProcess) —
// and the sweep of the rest: processes a run's guard would have killed had
// it not been killed first itself (from outside), which come to racelab as
// their subreaper. A guard is forked and registered under LockChildren(),
// and the sweep runs under it too, so it never takes a guard being started
// for an orphan. Thread-safe.
#ifndef RACELAB_HARNESS_PROCESS_ORPHANS_H_
#define RACELAB_HARNESS_PROCESS_ORPHANS_H_

#include <sys/types.h>

#include <mutex>
#include <string>
#include <vector>

namespace racelab {

// Held while a guard is forked and registered, and while sweeping.
std::unique_lock<std::mutex> LockChildren();

// A run's guard, from its fork until it is reaped; the slot to release.
int RegisterGuard(pid_t guard);
void UnregisterGuard(int slot);

// A helper kept running across runs on purpose (addr2line): never swept.
// Forget it before reaping it.
void KeepAcrossRuns(pid_t helper);
void ForgetKept(pid_t helper);

// With LockChildren() held: kills every child of racelab that is neither a
// registered guard nor a kept helper, with everything below it, and reaps
// them (by pid: other runs' guards are reaped by their own runs). Returns
// those that had left process group `group` (the program's), named
// "pid 12: sleep 3600".
std::vector<std::string> SweepOrphans(pid_t group);

}  // namespace racelab

#endif  // RACELAB_HARNESS_PROCESS_ORPHANS_H_
