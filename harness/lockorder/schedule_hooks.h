// The hooks' side of a perturbed schedule (`racelab run --perturb`): at
// every synchronisation point the hooks see (lock, unlock, try-lock,
// condition wait, signal and broadcast, thread start and end) a thread waits
// while a thread of higher PCT priority can run (harness/schedule/
// pct_schedule.h decides), in short sleeps, within the schedule's caps;
// and a sched_yield sleeps one such poll instead (PerturbedYield).
// Independent of the lock-order checker: it also runs where the checker is
// off (a clang sanitizer build, whose interceptors call the hooks as their
// "real" functions). Off unless RACELAB_PERTURB asks at load; off, the
// lock hooks pay nothing for it (they learn it from the load of the
// checker's `mode` they make anyway: hook_state.h's ActiveAtSyncPoint and
// AsBlockingPoint); the thread and spawn hooks test `perturbing`.
#ifndef RACELAB_HARNESS_LOCKORDER_SCHEDULE_HOOKS_H_
#define RACELAB_HARNESS_LOCKORDER_SCHEDULE_HOOKS_H_

namespace racelab::lockorder {

// Set at load (InitializePerturbation), before the program's threads run.
extern bool perturbing;

// Reads RACELAB_PERTURB; from the hooks' constructor.
void InitializePerturbation();

// A synchronisation point of the calling thread (see above).
__attribute__((noinline)) void PerturbAtSyncPoint();
// One where the hook does not load `mode` (a thread's start and end).
__attribute__((always_inline)) inline void Perturb() {
  if (__builtin_expect(perturbing, false)) PerturbAtSyncPoint();
}

// sched_yield in a perturbed run: true when the calling thread slept a
// poll instead (see schedule_hooks.cc); false: it yields as asked.
bool PerturbedYield();

// The calling thread is about to become another program (exec): the CPUs
// it was kept on (see schedule_hooks.cc) are given back, so that the new
// image starts with the set the process had. No-op when not kept.
void GiveBackCpus();

// While in scope, the calling thread has its CPUs back (posix_spawn: the
// child starts with the calling thread's set); after, it is kept on one
// again.
class CpusGivenBack {
 public:
  CpusGivenBack();
  ~CpusGivenBack();
  CpusGivenBack(const CpusGivenBack&) = delete;
  CpusGivenBack& operator=(const CpusGivenBack&) = delete;

 private:
  const int slot_;
};

// A thread is about to be created: its place in the schedule is taken now,
// by its creator, so that it counts as runnable from its creation (as in
// PCT) rather than from whenever the OS first runs it. Returns the slot to
// hand to PerturbedThreadStarts, or kNoReservedSlot when not perturbing.
inline constexpr int kNoReservedSlot = -2;
int ReserveSlotForNewThread();
// The creation failed: the reserved slot is given back.
void ReleaseReservedSlot(int reserved);

// The calling thread starts or ends (thread_hooks.cc's start routine, and
// at thread exit): it takes part in the schedule in the slot its creator
// reserved (or a slot of its own), or no longer does.
void PerturbedThreadStarts(int reserved);
void PerturbedThreadEnds();

// While in scope, the calling thread is inside a call that returns only
// once another thread acts (a lock wait, a condition wait, a join): no
// thread waits for it. Only while `perturbed` (hook_state.h's
// AsBlockingPoint).
class PerturbBlockedScope {
 public:
  explicit PerturbBlockedScope(bool perturbed) : perturbed_(perturbed) {
    if (perturbed_) MarkBlocked(true);
  }
  ~PerturbBlockedScope() {
    if (perturbed_) MarkBlocked(false);
  }
  PerturbBlockedScope(const PerturbBlockedScope&) = delete;
  PerturbBlockedScope& operator=(const PerturbBlockedScope&) = delete;

 private:
  static void MarkBlocked(bool blocked);
  const bool perturbed_;
};

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_SCHEDULE_HOOKS_H_
