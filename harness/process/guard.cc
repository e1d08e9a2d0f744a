// The guard between racelab and a program (see guard.h).
#include "harness/process/guard.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

namespace racelab {
namespace {

// Reads into `value` exactly; false at end of file or on an error.
template <typename T>
bool ReadExactly(int fd, T& value) {
  size_t got = 0;
  auto* bytes = reinterpret_cast<char*>(&value);
  while (got < sizeof value) {
    const ssize_t n = ::read(fd, bytes + got, sizeof value - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

// In the guard, when racelab is gone: kills the program's process group,
// then, round after round, every child the guard has (it is their
// subreaper, so every descendant of the program ends up as one). Only
// async-signal-safe calls: the guard is a fork of a process that may have
// had other threads.
[[noreturn]] void GuardKillsEverythingBelow(pid_t program) {
  ::kill(-program, SIGKILL);
  ::kill(program, SIGKILL);
  for (int round = 0; round < 1000; ++round) {
    char list[4096];
    ssize_t size = 0;
    const int fd = ::open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      size = ::read(fd, list, sizeof list - 1);
      ::close(fd);
    }
    if (size <= 0) break;
    pid_t pid = 0;
    for (ssize_t i = 0; i <= size; ++i) {
      if (i < size && list[i] >= '0' && list[i] <= '9') {
        pid = pid * 10 + (list[i] - '0');
      } else if (pid > 0) {
        ::kill(pid, SIGKILL);
        pid = 0;
      }
    }
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    const timespec pause{0, 1000 * 1000};
    ::nanosleep(&pause, nullptr);
  }
  ::_exit(0);
}

// In the guard, once the program has ended: ends the same way, so that
// racelab reads the program's own status from the guard's.
[[noreturn]] void GuardEndsAsTheProgramDid(int status) {
  if (WIFSIGNALED(status)) {
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);  // the program dumped its own core, if any
    const int signal_number = WTERMSIG(status);
    ::signal(signal_number, SIG_DFL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, signal_number);
    ::pthread_sigmask(SIG_UNBLOCK, &only, nullptr);
    ::raise(signal_number);
    ::_exit(128 + signal_number);
  }
  ::_exit(WEXITSTATUS(status));
}

// Starts the program from the guard with posix_spawn (glibc's is a
// vfork-like clone: no copy of the guard's page tables, which for a
// ThreadSanitizer build of racelab cost 7 ms a run): its own process group,
// stdin from /dev/null, stdout and stderr into `output_fd`, no signal
// blocked and the usual ones at their defaults. A file that is neither a
// binary nor has a #! line runs under `shell_argv` (/bin/sh FILE ARGS...,
// when set), as execvp would run it. Returns 0 or the errno of the spawn or
// exec that failed.
int SpawnTheProgram(char* const* argv, char* const* shell_argv, char* const* envp, int output_fd,
                    pid_t& program) {
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_t actions;
  ::posix_spawnattr_init(&attributes);
  ::posix_spawn_file_actions_init(&actions);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int signal_number : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) {
    sigaddset(&defaults, signal_number);
  }
  sigset_t none;
  sigemptyset(&none);
  ::posix_spawnattr_setflags(
      &attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  ::posix_spawnattr_setpgroup(&attributes, 0);
  ::posix_spawnattr_setsigdefault(&attributes, &defaults);
  ::posix_spawnattr_setsigmask(&attributes, &none);
  ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, output_fd, STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(&actions, output_fd, STDERR_FILENO);
  int error = ::posix_spawnp(&program, argv[0], &actions, &attributes, argv, envp);
  if (error == ENOEXEC && shell_argv != nullptr) {
    error = ::posix_spawn(&program, shell_argv[0], &actions, &attributes, shell_argv, envp);
  }
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attributes);
  return error;
}

// The guard: a fork of racelab between it and the program. It is the
// program's parent and the subreaper of everything below it, waits for the
// program and ends as it did; when racelab dies first (even by SIGKILL:
// `life_fd` reaches end of file, since only racelab holds its write end) it
// kills the program and all its descendants, daemons included. It leads a
// process group of its own, so that a kill of racelab's whole group (a CI
// job cancelled) leaves it alive to do so. The program's pid goes to
// `pid_fd`, the errno of a spawn or exec that failed to `exec_fd`.
[[noreturn]] void BecomeTheGuard(char* const* argv, char* const* shell_argv, char* const* envp,
                                 int output_fd, int pid_fd, int exec_fd, int life_fd,
                                 int life_write_fd) {
  ::close(life_write_fd);  // our copy: only racelab's may keep the pipe open
  ::setpgid(0, 0);
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  // Interrupts are racelab's to handle (it kills the program's group).
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::signal(signal_number, SIG_IGN);
  pid_t program = -1;
  const int spawn_error = SpawnTheProgram(argv, shell_argv, envp, output_fd, program);
  if (spawn_error != 0) program = -1;
  (void)!::write(pid_fd, &program, sizeof program);
  if (program < 0) {
    (void)!::write(exec_fd, &spawn_error, sizeof spawn_error);
    ::_exit(127);
  }
  ::close(pid_fd);
  ::close(exec_fd);
  ::close(output_fd);
  const int program_fd = static_cast<int>(::syscall(SYS_pidfd_open, program, 0));
  while (true) {
    pollfd fds[2] = {{life_fd, POLLIN, 0}, {program_fd, POLLIN, 0}};
    // Without a pidfd, the program's end is checked every 10 ms.
    const int ready = ::poll(fds, program_fd >= 0 ? 2 : 1, program_fd >= 0 ? -1 : 10);
    int status = 0;
    if (::waitpid(program, &status, WNOHANG) == program) GuardEndsAsTheProgramDid(status);
    if (ready > 0 && fds[0].revents != 0) GuardKillsEverythingBelow(program);
  }
}

}  // namespace

// Starts argv[0] (looked up in PATH when it has no '/') under a guard (see
// BecomeTheGuard). Returns both pids, or sets `error` to why the program
// could not be started (the exec's errno comes back through a pipe).
// `life_fd` is the read end of a pipe whose write end, `life_write_fd`, only
// this process holds, open until the run is over.
Spawned SpawnGuarded(char* const* argv, char* const* shell_argv, char* const* envp, int output_fd,
                     int life_fd, int life_write_fd, int& error) {
  Spawned spawned;
  int pid_pipe[2], exec_pipe[2];
  if (::pipe2(pid_pipe, O_CLOEXEC) != 0) {
    error = errno;
    return spawned;
  }
  if (::pipe2(exec_pipe, O_CLOEXEC) != 0) {
    error = errno;
    ::close(pid_pipe[0]);
    ::close(pid_pipe[1]);
    return spawned;
  }
  sigset_t all, previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);  // no handler of ours runs in the children
  const pid_t guard = ::fork();
  if (guard == 0) {
    ::close(pid_pipe[0]);
    ::close(exec_pipe[0]);
    BecomeTheGuard(argv, shell_argv, envp, output_fd, pid_pipe[1], exec_pipe[1], life_fd,
                   life_write_fd);
  }
  const int fork_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  ::close(pid_pipe[1]);
  ::close(exec_pipe[1]);
  if (guard < 0) {
    ::close(pid_pipe[0]);
    ::close(exec_pipe[0]);
    error = fork_error;
    return spawned;
  }
  // The program's pid, then end of file once it has exec'd (the pipe is
  // close-on-exec) or the errno of the exec that failed.
  pid_t program = -1;
  int failed = 0;
  const bool started = ReadExactly(pid_pipe[0], program) && program > 0;
  const bool exec_failed = ReadExactly(exec_pipe[0], failed) || !started;
  ::close(pid_pipe[0]);
  ::close(exec_pipe[0]);
  if (exec_failed) {  // the guard ends with the program's 127: reap it
    while (::waitpid(guard, nullptr, 0) < 0 && errno == EINTR) {
    }
    error = failed != 0 ? failed : ECHILD;
    return spawned;
  }
  spawned.guard = guard;
  spawned.program = program;
  return spawned;
}

}  // namespace racelab
