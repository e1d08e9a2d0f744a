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
#include <initializer_list>

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

// Ends the guard with `status` by the system call itself: a fork of a
// ThreadSanitizer build of racelab would otherwise run TSan's finalisation
// in _exit, which can find a "leaked" thread of racelab's (a worker that had
// finished, not yet joined, when the guard was forked), report it, and turn
// the program's exit status into TSan's 66.
[[noreturn]] void ExitGuard(int status) {
  ::syscall(SYS_exit_group, status);
  __builtin_unreachable();
}

// Async-signal-safe text helpers for the guard (no stdio, no allocation).
// Appends the decimal digits of `value` (not negative) at `out`; returns
// the end.
char* AppendDecimal(long value, char* out) {
  char digits[24];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  while (count > 0) *out++ = digits[--count];
  return out;
}

char* AppendText(const char* text, char* out) {
  while (*text != '\0') *out++ = *text++;
  return out;
}

// Reads /proc/<pid>/<name> into `buffer`; its length (0 when unreadable).
size_t ReadProcOf(pid_t pid, const char* name, char* buffer, size_t size) {
  char path[64];
  char* end = AppendText(name, AppendText("/", AppendDecimal(pid, AppendText("/proc/", path))));
  *end = '\0';
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  const ssize_t got = ::read(fd, buffer, size);
  ::close(fd);
  return got > 0 ? static_cast<size_t>(got) : 0;
}

// Whether `pid` is alive (not a zombie) outside process group `group`:
// /proc/<pid>/stat, after the name's closing parenthesis: state, ppid, pgrp.
bool LivesOutsideGroup(pid_t pid, pid_t group) {
  char stat[512];
  const size_t size = ReadProcOf(pid, "stat", stat, sizeof stat);
  size_t close = size;
  for (size_t i = 0; i < size; ++i) {
    if (stat[i] == ')') close = i;
  }
  if (close + 2 >= size || stat[close + 2] == 'Z' || stat[close + 2] == 'X') return false;
  size_t i = close + 3;
  for (int spaces = 0; i < size && spaces < 2; ++i) spaces += stat[i] == ' ';
  long pgrp = 0;
  while (i < size && stat[i] >= '0' && stat[i] <= '9') pgrp = pgrp * 10 + (stat[i++] - '0');
  return pgrp != group;
}

// Writes "pid N: <command line>\n" to `fd` (the command line's NULs as
// spaces, at most kCommandChars characters, then "...").
constexpr size_t kCommandChars = 200;
void ReportStray(int fd, pid_t pid) {
  char line[kCommandChars + 64];
  char* out = AppendText(": ", AppendDecimal(pid, AppendText("pid ", line)));
  char command[kCommandChars + 1];
  size_t size = ReadProcOf(pid, "cmdline", command, sizeof command);
  const bool cut = size > kCommandChars;
  if (cut) size = kCommandChars;
  while (size > 0 && command[size - 1] == '\0') --size;
  for (size_t i = 0; i < size; ++i) *out++ = command[i] == '\0' ? ' ' : command[i];
  if (size == 0) *out++ = '?';
  if (cut) out = AppendText("...", out);
  *out++ = '\n';
  (void)!::write(fd, line, static_cast<size_t>(out - line));
}

// Kills every process below the guard (it is their subreaper, so every
// descendant of the program ends up as its child), round after round, and
// reports to `report_fd` each one first seen alive outside the program's
// process group: a process the program started that outlived it (members
// of the group are killed with it, and may still be on their way out).
void SweepBelow(pid_t program, int report_fd) {
  // The report never stops the sweep: racelab may be gone (a write would
  // raise SIGPIPE and end the guard with the strays alive), or not reading
  // until the guard ends (a full pipe would block it; 256 lines fit).
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);
  ::fcntl(report_fd, F_SETFL, O_NONBLOCK);
  constexpr int kMaxNamed = 256;
  pid_t named[kMaxNamed];
  int named_count = 0;
  for (int round = 0; round < 1000; ++round) {
    char list[4096];
    ssize_t size = 0;
    const int fd = ::open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      size = ::read(fd, list, sizeof list);
      ::close(fd);
    }
    if (size <= 0) break;
    pid_t pid = 0;
    for (ssize_t i = 0; i <= size; ++i) {
      if (i < size && list[i] >= '0' && list[i] <= '9') {
        pid = pid * 10 + (list[i] - '0');
        continue;
      }
      if (pid <= 0) continue;
      bool seen = false;
      for (int n = 0; n < named_count; ++n) seen |= named[n] == pid;
      if (!seen && named_count < kMaxNamed && LivesOutsideGroup(pid, program)) {
        ReportStray(report_fd, pid);
        named[named_count++] = pid;
      }
      ::kill(pid, SIGKILL);
      pid = 0;
    }
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    const timespec pause{0, 1000 * 1000};
    ::nanosleep(&pause, nullptr);
  }
  (void)!::write(report_fd, kReportEnd, sizeof kReportEnd - 1);
  ::close(report_fd);
}

// In the guard, when racelab is gone, or done with the run (it closed its
// end of `life_fd`): kills the program's process group and everything
// below, reporting the strays.
[[noreturn]] void GuardKillsEverythingBelow(pid_t program, int report_fd) {
  ::kill(-program, SIGKILL);
  ::kill(program, SIGKILL);
  SweepBelow(program, report_fd);
  ExitGuard(0);
}

// In the guard, once the program has ended: kills what it left running
// (reported to `report_fd`), then ends the same way, so that racelab reads
// the program's own status from the guard's.
[[noreturn]] void GuardEndsAsTheProgramDid(pid_t program, int status, int report_fd) {
  SweepBelow(program, report_fd);
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
    ExitGuard(128 + signal_number);
  }
  ExitGuard(WEXITSTATUS(status));
}

// How the guard starts the program with posix_spawn (glibc's is a
// vfork-like clone: no copy of the guard's page tables, which for a
// ThreadSanitizer build of racelab cost 7 ms a run): its own process group,
// stdin from /dev/null, stdout and stderr into `output_fd`, no signal
// blocked and the usual ones at their defaults. Made in racelab before the
// fork, because making it allocates (posix_spawn_file_actions_addopen
// copies the path with malloc): in the guard, a fork of racelab whose other
// threads may have held the allocator's lock at that moment, it could wait
// forever (seen under AddressSanitizer with parallel runs).
class GuardSpawnSetup {
 public:
  explicit GuardSpawnSetup(int output_fd) {
    ::posix_spawnattr_init(&attributes_);
    ::posix_spawn_file_actions_init(&actions_);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int signal_number :
         {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) {
      sigaddset(&defaults, signal_number);
    }
    sigset_t none;
    sigemptyset(&none);
    ::posix_spawnattr_setflags(
        &attributes_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    ::posix_spawnattr_setpgroup(&attributes_, 0);
    ::posix_spawnattr_setsigdefault(&attributes_, &defaults);
    ::posix_spawnattr_setsigmask(&attributes_, &none);
    ok_ = ::posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0) ==
              0 &&
          ::posix_spawn_file_actions_adddup2(&actions_, output_fd, STDOUT_FILENO) == 0 &&
          ::posix_spawn_file_actions_adddup2(&actions_, output_fd, STDERR_FILENO) == 0;
  }
  ~GuardSpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attributes_);
  }
  GuardSpawnSetup(const GuardSpawnSetup&) = delete;
  GuardSpawnSetup& operator=(const GuardSpawnSetup&) = delete;

  bool ok() const { return ok_; }  // false only when out of memory

  // Starts the program (from the guard: nothing here allocates). A file
  // that is neither a binary nor has a #! line runs under `shell_argv`
  // (/bin/sh FILE ARGS..., when set), as execvp would run it. Returns 0 or
  // the errno of the spawn or exec that failed.
  int Spawn(char* const* argv, char* const* shell_argv, char* const* envp, pid_t& program) const {
    int error = ::posix_spawnp(&program, argv[0], &actions_, &attributes_, argv, envp);
    if (error == ENOEXEC && shell_argv != nullptr) {
      error = ::posix_spawn(&program, shell_argv[0], &actions_, &attributes_, shell_argv, envp);
    }
    return error;
  }

 private:
  posix_spawnattr_t attributes_;
  posix_spawn_file_actions_t actions_;
  bool ok_ = false;
};

// Closes every descriptor of the guard but standard input, output and
// error and `keep` (racelab's other descriptors, other runs' pipes among
// them when its threads run several at once, must not live on in the guard:
// a run's life pipe would never reach end of file while another run's
// guard held its write end).
void KeepOnly(std::initializer_list<int> keep) {
  int sorted[8];
  int count = 0;
  for (int fd : keep) {  // insertion sort: nothing here may allocate
    int i = count++;
    for (; i > 0 && sorted[i - 1] > fd; --i) sorted[i] = sorted[i - 1];
    sorted[i] = fd;
  }
  // [first, last]: closed by close_range, or one by one where the kernel
  // has none (before Linux 5.9), up to a bound no descriptor passes here.
  const auto close_between = [](unsigned first, unsigned last) {
    if (::syscall(SYS_close_range, first, last, 0U) == 0) return;
    for (unsigned fd = first; fd <= last && fd < 65536; ++fd) ::close(static_cast<int>(fd));
  };
  unsigned next = 3;  // the lowest descriptor neither closed nor kept yet
  for (int i = 0; i < count; ++i) {
    const unsigned kept = static_cast<unsigned>(sorted[i]);
    if (kept < next) continue;
    if (kept > next) close_between(next, kept - 1);
    next = kept + 1;
  }
  close_between(next, ~0U);
}

// The guard: a fork of racelab between it and the program. It is the
// program's parent and the subreaper of everything below it, waits for the
// program and ends as it did, after killing whatever the program left
// running; when racelab is done with the run or dies first (even by
// SIGKILL: `life_fd` reaches end of file, since only racelab holds its
// write end) it kills the program and all its descendants, daemons
// included. Either way, each process it killed that had left the program's
// group is reported to `report_fd`. It leads a process group of its own,
// so that a kill of racelab's whole group (a CI job cancelled) leaves it
// alive to do so. The program's pid goes to `pid_fd`, the errno of a spawn
// or exec that failed to `exec_fd`.
[[noreturn]] void BecomeTheGuard(const GuardSpawnSetup& setup, char* const* argv,
                                 char* const* shell_argv, char* const* envp, int output_fd,
                                 int pid_fd, int exec_fd, int life_fd, int report_fd) {
  KeepOnly({output_fd, pid_fd, exec_fd, life_fd, report_fd});
  ::setpgid(0, 0);
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  // Interrupts are racelab's to handle (it kills the program's group).
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::signal(signal_number, SIG_IGN);
  pid_t program = -1;
  const int spawn_error = setup.Spawn(argv, shell_argv, envp, program);
  if (spawn_error != 0) program = -1;
  (void)!::write(pid_fd, &program, sizeof program);
  if (program < 0) {
    (void)!::write(exec_fd, &spawn_error, sizeof spawn_error);
    ExitGuard(127);
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
    if (::waitpid(program, &status, WNOHANG) == program) {
      GuardEndsAsTheProgramDid(program, status, report_fd);
    }
    if (ready > 0 && fds[0].revents != 0) GuardKillsEverythingBelow(program, report_fd);
  }
}

}  // namespace

// Starts argv[0] (looked up in PATH when it has no '/') under a guard (see
// BecomeTheGuard). Returns both pids and the read end of the guard's stray
// report, or sets `error` to why the program could not be started (the
// exec's errno comes back through a pipe). `life_fd` is the read end of a
// pipe whose write end only this process holds, open until the run is over.
Spawned SpawnGuarded(char* const* argv, char* const* shell_argv, char* const* envp, int output_fd,
                     int life_fd, int& error) {
  Spawned spawned;
  const GuardSpawnSetup setup(output_fd);
  if (!setup.ok()) {
    error = ENOMEM;
    return spawned;
  }
  int pid_pipe[2], exec_pipe[2], report_pipe[2];
  int* const pipes[] = {pid_pipe, exec_pipe, report_pipe};
  for (int made = 0; made < 3; ++made) {
    if (::pipe2(pipes[made], O_CLOEXEC) != 0) {
      error = errno;
      for (int i = 0; i < made; ++i) ::close(pipes[i][0]), ::close(pipes[i][1]);
      return spawned;
    }
  }
  sigset_t all, previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);  // no handler of ours runs in the children
  const pid_t guard = ::fork();
  if (guard == 0) {
    BecomeTheGuard(setup, argv, shell_argv, envp, output_fd, pid_pipe[1], exec_pipe[1], life_fd,
                   report_pipe[1]);
  }
  const int fork_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  for (int* pipe : pipes) ::close(pipe[1]);
  if (guard < 0) {
    for (int* pipe : pipes) ::close(pipe[0]);
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
    ::close(report_pipe[0]);
    while (::waitpid(guard, nullptr, 0) < 0 && errno == EINTR) {
    }
    error = failed != 0 ? failed : ECHILD;
    return spawned;
  }
  spawned.guard = guard;
  spawned.program = program;
  spawned.report_fd = report_pipe[0];
  return spawned;
}

}  // namespace racelab
