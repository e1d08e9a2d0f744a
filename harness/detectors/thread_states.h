// What every thread of a run is doing, read from /proc without stopping
// it: each thread's scheduler state, the system call it sleeps in (with its
// arguments) and how long it has run. The watchdog judges hangs from these
// samples rather than from the clock. Parsing is pure (unit-tested on
// captured lines); sampling reads /proc, which needs the same ptrace access
// gdb needs (racelab is an ancestor of every process it samples).
#ifndef RACELAB_HARNESS_DETECTORS_THREAD_STATES_H_
#define RACELAB_HARNESS_DETECTORS_THREAD_STATES_H_

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace racelab {

// What a thread is waiting for, as far as its state tells.
enum class ThreadWait {
  kRunning,   // running or runnable
  kBlocked,   // asleep until another thread of the run wakes it: an untimed
              // futex wait (mutex, condition variable, join, latch,
              // semaphore, future) or a wait for a child process
  kSleeping,  // asleep with a way out of its own: a timed wait, a sleep, I/O,
              // a signal wait
  kRuntime,   // a sanitizer runtime's own thread (ThreadSanitizer's
              // background thread), not the program's: never counted
  kGone,      // exited (a zombie thread or process)
  kUnknown,   // stopped, in uninterruptible sleep, or unreadable
};

// One thread, as one sample saw it.
struct ThreadSample {
  pid_t pid = 0;
  pid_t tid = 0;
  std::string name;  // its comm
  char state = '?';  // R, S, D, T, Z, ...
  // The system call it is in: -1 when none (or running), else the number
  // and its six arguments; `pc` is where the call was made.
  long syscall = -1;
  std::array<std::uint64_t, 6> args{};
  std::uint64_t pc = 0;
  bool syscall_known = false;   // /proc/<pid>/task/<tid>/syscall was readable
  std::uint64_t cpu_ns = 0;     // time on a CPU so far
  std::uint64_t run_count = 0;  // times it was scheduled in (0 when unknown)
  bool pc_in_libc = true;       // only looked up for raw nanosleep calls
  ThreadWait wait = ThreadWait::kUnknown;
};

// Parses /proc/<pid>/task/<tid>/stat: the name and state. False when the
// text is not a stat line.
bool ParseTaskStat(absl::string_view text, std::string& name, char& state,
                   std::uint64_t& cpu_ticks);

// Parses /proc/<pid>/task/<tid>/syscall ("202 0x... x6 sp pc", "running",
// "-1 sp pc") into the sample's syscall, args and pc. False when unreadable.
bool ParseSyscallLine(absl::string_view text, ThreadSample& sample);

// Parses /proc/<pid>/task/<tid>/schedstat ("run_ns wait_ns count").
bool ParseSchedstat(absl::string_view text, std::uint64_t& cpu_ns, std::uint64_t& run_count);

// What the sample's state and system call say it waits for (sets nothing).
ThreadWait ClassifyWait(const ThreadSample& sample);

// "futex wait", "wait4", "nanosleep", ... for a message ("running" when in
// no call).
std::string SyscallName(long syscall);

// Every thread of `processes`, sampled now, classified; the sample ends at
// the first running thread (a run with one is not hung, and a program with
// thousands of threads is not read whole every time).
std::vector<ThreadSample> SampleThreads(const std::vector<pid_t>& processes);

// Whether two samples of the same processes, taken one after the other,
// show every thread of the program blocked (an untimed wait only another
// thread could end) in both and scheduled no time in between (the same
// threads, each with the same `run_count`): nothing of the program ran
// meanwhile, and nothing of it will run on its own. False when either
// sample has a running, sleeping, stopped or unreadable thread, or a thread
// whose count is unknown. A sanitizer runtime's thread is left out: it
// wakes on its own clock.
bool BlockedThroughout(const std::vector<ThreadSample>& before,
                       const std::vector<ThreadSample>& after);

// Whether process `pid` has a handler for signal `signal_number` (its
// SigCgt mask in /proc/<pid>/status).
bool CatchesSignal(pid_t pid, int signal_number);

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_THREAD_STATES_H_
