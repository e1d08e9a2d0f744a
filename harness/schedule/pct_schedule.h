// The decisions of a PCT schedule, for threads the OS schedules. PCT
// (Burckhardt, Kothari, Musuvathi, Nagarakatte: "A Randomized Scheduler with
// Probabilistic Guarantees of Finding Bugs", ASPLOS 2010) gives every thread
// a random priority, always runs the highest-priority thread that can run,
// and at d - 1 randomly chosen steps lowers the running thread's priority
// below every other; a bug of depth d then shows with a probability the
// paper bounds from below.
//
// Here the OS still schedules; a thread at a synchronisation point waits
// (the hooks poll, harness/lockorder/schedule_hooks.h) while a thread of
// higher priority takes part and is not blocked, within a per-point cap
// and a per-process budget, so that a program never waits long on a thread
// that only looks runnable (one asleep in a system call the hooks do not
// see, or computing without a synchronisation point): a thread that
// outlasts a whole cap is overlooked until its next synchronisation point.
// Every decision follows from the seed, the order threads joined in and
// each thread's own count of synchronisation points, never from how the
// threads happened to interleave: the same seed makes the same decisions at
// the same points. A change point is therefore a pair (the n-th thread to
// join, its s-th synchronisation point) rather than the paper's k-th step
// of the whole run; both name one step of the run. Threads are drawn
// log-uniformly over 0..kMaxThreads - 1 and steps over 1..kHorizon - 1
// (the paper draws uniformly over the run's k steps, not known before the
// run ends), so that small programs and short runs get them as often as
// long ones.
//
// No allocation, no system call, no lock: lives in the preload library's
// static storage and is called from any thread, signal handlers excepted.
#ifndef RACELAB_HARNESS_SCHEDULE_PCT_SCHEDULE_H_
#define RACELAB_HARNESS_SCHEDULE_PCT_SCHEDULE_H_

#include <array>
#include <atomic>
#include <cstdint>

namespace racelab::schedule {

inline constexpr int kMaxDepth = 8;
// Two: one change point, for bugs that need a thread held back in the
// middle of its work, as the paper advises small depths. Measured on
// cases/audit_log (a depth-1 bug), depth 1/2/3 found it in 97/94/93 of 100
// runs: a change point costs a depth-1 bug little.
inline constexpr int kDefaultDepth = 2;

struct PctParameters {
  std::uint64_t seed = 0;
  int depth = kDefaultDepth;  // d: d - 1 priority change points (1..kMaxDepth)
  // One synchronisation point waits at most this many polls; one process
  // waits at most budget_polls polls in all.
  int max_polls_per_point = 200;
  int budget_polls = 4000;
};
// Change points fall in a thread's steps 1..kHorizon - 1.
inline constexpr std::uint64_t kHorizon = 1 << 14;

// Where a priority changes: at the `step`-th synchronisation point of the
// thread that joined `thread`-th (0: the first).
struct ChangePoint {
  std::uint64_t thread = 0;
  std::uint64_t step = 0;
  bool operator==(const ChangePoint&) const = default;
};

class PctSchedule {
 public:
  static constexpr int kMaxThreads = 256;

  explicit PctSchedule(const PctParameters& parameters);
  PctSchedule(const PctSchedule&) = delete;
  PctSchedule& operator=(const PctSchedule&) = delete;

  // A thread starts taking part. Returns its slot, whose priority follows
  // from the seed and how many threads joined before; -1 when every slot is
  // taken (such a thread never waits and never makes another wait).
  int Join();
  // The thread of `slot` is gone: it no longer makes any thread wait.
  void Leave(int slot);
  // Every thread but `slot`'s is gone (a forked child has one thread).
  void KeepOnly(int slot);
  // Whether the thread of `slot` is inside a call that returns only once
  // another thread acts (a lock wait, a condition wait, a join): a blocked
  // thread makes no thread wait for it.
  void SetBlocked(int slot, bool blocked);

  // A synchronisation point of the thread of `slot`: its step is counted,
  // and at a change point its priority falls below every thread's.
  void Step(int slot);
  // Whether a thread of higher priority than `slot`'s takes part and is not
  // blocked or overlooked: `slot`'s thread should wait.
  bool Outranked(int slot) const { return Outranking(slot) >= 0; }
  // The slot of one such thread (the lowest slot); -1: none.
  int Outranking(int slot) const;
  // `slot`'s thread waited a whole cap: the threads that outrank it made no
  // visible progress meanwhile and are overlooked (make no thread wait)
  // until their next synchronisation point.
  void OverlookThoseAbove(int slot);
  // The thread of `other` is known to be blocked where the hooks do not see
  // it (asleep in a system call): overlooked like a thread that outlasts a
  // cap, until its next synchronisation point.
  void Overlook(int other);
  // Takes one poll from the process's budget: false once it is spent.
  bool SpendPoll();

  int max_polls_per_point() const { return max_polls_per_point_; }
  std::uint64_t PriorityOf(int slot) const;
  // Where priorities change, in the order drawn (depth - 1).
  const std::array<ChangePoint, kMaxDepth - 1>& change_points() const { return change_points_; }
  int change_point_count() const { return change_point_count_; }

 private:
  enum : std::uint8_t { kFree = 0, kRunning = 1, kBlocked = 2, kOverlooked = 3 };
  struct alignas(64) Slot {
    std::atomic<std::uint64_t> priority{0};
    std::atomic<std::uint64_t> join_order{0};
    std::atomic<std::uint64_t> steps{0};  // its thread's synchronisation points so far
    std::atomic<std::uint8_t> state{kFree};
  };

  const std::uint64_t seed_;
  const int max_polls_per_point_;
  std::array<ChangePoint, kMaxDepth - 1> change_points_{};
  int change_point_count_ = 0;
  std::atomic<std::uint64_t> joined_{0};
  std::atomic<int> used_slots_{0};  // slots [0, used_slots_) were ever taken
  std::atomic<int> budget_left_;
  std::array<Slot, kMaxThreads> slots_;
};

// SplitMix64: one step of a seeded generator (also used to derive seeds).
inline std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace racelab::schedule

#endif  // RACELAB_HARNESS_SCHEDULE_PCT_SCHEDULE_H_
