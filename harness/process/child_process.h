// Running one child process under a watchdog: spawn it in its own process
// group, capture its stdout+stderr (bounded), and end it by its own exit, by
// the wall-clock timeout, or by flooding its output. Whatever ends it, the
// whole process group is killed before RunChild returns, and so is every
// descendant that left the group (a daemon, a setsid() child), named in the
// outcome.
//
// Between this process and the child stands a guard (a fork of this
// process, no exec, leading a process group of its own, keeping none of
// this process's descriptors but its own pipes), which starts the child
// with posix_spawn: the child's parent and the subreaper of everything
// below it. As the child ends, or when this process is done with the run,
// the guard kills everything below it, reports what had left the child's
// group, and ends as the child ended. If this process dies first, even by
// SIGKILL (alone or with its whole process group), the guard kills the
// child and every descendant (daemons included). If the guard is killed
// first (from outside), what was below it comes to this process, its
// subreaper, which kills and names it (orphans.h).
//
// Thread-safe: RunChild calls may go on in several threads at once (`racelab
// run --jobs`), each with its own ChildSpec; each touches only the
// processes of its own run.
#ifndef RACELAB_HARNESS_PROCESS_CHILD_PROCESS_H_
#define RACELAB_HARNESS_PROCESS_CHILD_PROCESS_H_

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace racelab {

struct ChildSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::vector<std::pair<std::string, std::string>> env;  // set in the child, overriding
  std::vector<std::string> unset_env;                    // left out of the child's environment
  absl::Duration timeout = absl::Seconds(10);
  std::size_t output_keep_head = 256 * 1024;    // first bytes of output kept
  std::size_t output_keep_tail = 64 * 1024;     // last bytes of output kept
  std::size_t output_limit = 64 * 1024 * 1024;  // past this the child is killed
  // While the child runs, every `watch_interval`, with the program's pid and
  // its guard's (the root of every process of the run): a non-empty answer
  // ends the run at once, for that reason (End::kStopped).
  std::function<std::string(int program, int guard)> watch;
  absl::Duration watch_interval = absl::Milliseconds(25);
  // After a timeout or a stop, before the kill: called while the run's
  // processes still live (to collect their stacks and wait-for state).
  std::function<void(int program, int guard)> before_kill;
};

struct ChildOutcome {
  enum class End {
    kExited,    // exit_code is valid
    kSignaled,  // signal is valid
    kTimedOut,  // killed by the watchdog after `timeout`
    kFlooded,   // killed for printing more than `output_limit` bytes
    kStopped,   // killed because `watch` said why (stop_reason)
  };
  End end = End::kExited;
  int exit_code = 0;
  int signal = 0;
  std::string output_head;       // first output_keep_head bytes
  std::string output_tail;       // last output_keep_tail bytes after the head
  std::size_t output_bytes = 0;  // everything the child printed
  std::string stop_reason;       // for kStopped: what `watch` answered
  absl::Duration wall;           // spawn to reap
  // Processes the child started that were still running once it and its
  // process group were gone (daemons, setsid() children), each killed:
  // "pid 123: sleep 3600".
  std::vector<std::string> stray_processes;
};

// Spawns `spec.argv` and waits for it under the watchdog. Returns
// InvalidArgument for an empty argv, NotFound / PermissionDenied /
// FailedPrecondition when the program cannot be started (naming it and why),
// Internal when a system call the runner needs fails, Cancelled when this
// process was interrupted (see StopChildrenWhenInterrupted) before or while
// the child ran.
absl::StatusOr<ChildOutcome> RunChild(const ChildSpec& spec);

// Installs SIGINT, SIGTERM and SIGHUP handlers that kill the process group of
// every child RunChild is waiting for and remember the signal, so that the
// caller can stop starting runs, report what finished and exit. A second
// signal ends this process at once, as the signal would have. Call once from
// main() before running children.
void StopChildrenWhenInterrupted();

// The signal that interrupted this process, or 0.
int InterruptedBy();

// "cannot start 'PROGRAM': <strerror>" as NotFound (ENOENT),
// PermissionDenied (EACCES, EPERM) or FailedPrecondition (anything else).
absl::Status CannotStartError(const std::string& program, int error);

// "exit 3", "signal 11 (SIGSEGV)", "timed out after 2s", "flooded (65 MiB)",
// "stopped after 210ms: <reason>".
std::string DescribeEnd(const ChildOutcome& outcome);

}  // namespace racelab

#endif  // RACELAB_HARNESS_PROCESS_CHILD_PROCESS_H_
