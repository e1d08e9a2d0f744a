// The guard between racelab and a program it runs: a fork of racelab (no
// exec) that starts the program with posix_spawn, is its parent and the
// subreaper of everything below it, ends as the program ended once it has
// killed (and reported) what the program left running, and kills the
// program and all its descendants when racelab is done with the run or
// dies first, even by SIGKILL. Used by RunChild (child_process.h); only async-signal-safe calls
// in the guard itself.
#ifndef RACELAB_HARNESS_PROCESS_GUARD_H_
#define RACELAB_HARNESS_PROCESS_GUARD_H_

#include <sys/types.h>

namespace racelab {

// What SpawnGuarded started: the program, and its guard (our child).
struct Spawned {
  pid_t guard = -1;    // waits for the program and ends as it ended
  pid_t program = -1;  // leads its own process group
  // Where the guard reports, one line each ("pid 12: sleep 3600"), the
  // processes the program started that outlived it (which it killed), then
  // kReportEnd once it has killed everything; end of file once the guard is
  // gone (without kReportEnd: killed from outside first). Ours to close.
  int report_fd = -1;
};
inline constexpr char kReportEnd[] = "end\n";

// Starts argv[0] (looked up in PATH when it has no '/') under a guard (see
// BecomeTheGuard). Returns both pids, or sets `error` to why the program
// could not be started (the exec's errno comes back through a pipe).
// `life_fd` is the read end of a pipe whose write end only this process
// holds, open until the run is over: closing it ends the run (the guard
// kills the program and everything below it, and reports the strays).
Spawned SpawnGuarded(char* const* argv, char* const* shell_argv, char* const* envp, int output_fd,
                     int life_fd, int& error);

}  // namespace racelab

#endif  // RACELAB_HARNESS_PROCESS_GUARD_H_
