// Child process spawning, capture and watchdog (see child_process.h).
#include "harness/process/child_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "harness/process/proc_files.h"

extern char** environ;

namespace racelab {
namespace {

using Clock = std::chrono::steady_clock;

// Process groups of children being waited for, for the interrupt handler.
// Slots are claimed and cleared with atomics: no lock in a signal handler.
constexpr int kMaxActiveGroups = 64;
std::atomic<pid_t> active_groups[kMaxActiveGroups];

int ClaimGroupSlot(pid_t group) {
  for (int slot = 0; slot < kMaxActiveGroups; ++slot) {
    pid_t empty = 0;
    if (active_groups[slot].compare_exchange_strong(empty, group)) return slot;
  }
  return -1;  // more concurrent children than slots: still killed at the end
}

void ReleaseGroupSlot(int slot) {
  if (slot >= 0) active_groups[slot].store(0);
}

std::atomic<int> interrupting_signal{0};

// Helpers kept across runs (KeepAcrossRuns), never swept as strays.
constexpr int kMaxKeptHelpers = 16;
std::atomic<pid_t> kept_helpers[kMaxKeptHelpers];

bool IsKept(pid_t pid) {
  for (const std::atomic<pid_t>& slot : kept_helpers) {
    if (slot.load() == pid) return true;
  }
  return false;
}

// The interrupt handler: every child group dies; the first signal is
// remembered for the caller, a second one ends this process as it would
// have without a handler.
void KillActiveGroupsOnInterrupt(int signal_number) {
  for (std::atomic<pid_t>& group : active_groups) {
    const pid_t pid = group.load();
    if (pid > 0) ::kill(-pid, SIGKILL);
  }
  int none = 0;
  if (!interrupting_signal.compare_exchange_strong(none, signal_number)) {
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);
  }
}

// Closes a file descriptor on scope exit.
class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() { Reset(); }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::string ErrnoText(int error) { return std::strerror(error); }

absl::Status InterruptedError() {
  const int signal_number = interrupting_signal.load();
  return absl::CancelledError(absl::StrCat("interrupted by SIG",
                                           sigabbrev_np(signal_number) ? sigabbrev_np(signal_number) : "?"));
}


// The child's environment: ours, with `overrides` replacing or adding.
std::vector<std::string> ChildEnvironment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    absl::string_view text(*entry);
    const size_t equals = text.find('=');
    if (equals == absl::string_view::npos) continue;
    merged[std::string(text.substr(0, equals))] = std::string(text.substr(equals + 1));
  }
  for (const auto& [name, value] : overrides) merged[name] = value;
  std::vector<std::string> result;
  result.reserve(merged.size());
  for (const auto& [name, value] : merged) result.push_back(absl::StrCat(name, "=", value));
  return result;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Keeps the first `head_limit` bytes and a rolling last `tail_limit` bytes.
class OutputCapture {
 public:
  OutputCapture(size_t head_limit, size_t tail_limit)
      : head_limit_(head_limit), tail_limit_(tail_limit) {}

  void Append(const char* data, size_t size) {
    total_ += size;
    const size_t to_head = std::min(size, head_limit_ - std::min(head_limit_, head_.size()));
    head_.append(data, to_head);
    if (to_head < size && tail_limit_ > 0) {
      tail_.append(data + to_head, size - to_head);
      if (tail_.size() > 2 * tail_limit_) tail_.erase(0, tail_.size() - tail_limit_);
    }
  }
  size_t total() const { return total_; }
  void MoveInto(ChildOutcome& outcome) {
    if (tail_.size() > tail_limit_) tail_.erase(0, tail_.size() - tail_limit_);
    outcome.output_head = std::move(head_);
    outcome.output_tail = std::move(tail_);
    outcome.output_bytes = total_;
  }

 private:
  size_t head_limit_, tail_limit_;
  size_t total_ = 0;
  std::string head_, tail_;
};

// Kills one child of ours and reaps it (a no-op for one already reaped).
void KillAndReap(pid_t pid) {
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// Kills every process in the group and reaps those that are our children
// (the leader, and orphans reparented to us as subreaper).
void KillAndReapGroup(pid_t group) {
  ::kill(-group, SIGKILL);
  while (true) {
    int status = 0;
    const pid_t reaped = ::waitpid(-group, &status, 0);
    if (reaped > 0) continue;
    if (reaped < 0 && errno == EINTR) continue;
    break;  // ECHILD: none left in the group that we can reap
  }
}

// How many other children are being waited for (group slots in use).
int ActiveGroupsOtherThan(pid_t group) {
  int count = 0;
  for (const std::atomic<pid_t>& slot : active_groups) {
    const pid_t active = slot.load();
    if (active > 0 && active != group) ++count;
  }
  return count;
}

// What /proc says of a process: whether it has exited already (a zombie,
// or gone) and its process group.
struct ProcessState {
  bool exited = true;
  pid_t group = 0;
};

ProcessState StateOf(pid_t pid) {
  ProcessState state;
  const std::string stat = ReadProcFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t end_of_name = stat.rfind(')');
  if (end_of_name == std::string::npos || end_of_name + 2 >= stat.size()) return state;
  // After the name: state, ppid, pgrp, ...
  const std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(stat).substr(end_of_name + 2), ' ');
  state.exited = fields[0] == "Z" || fields[0] == "X";
  if (fields.size() > 2 && !absl::SimpleAtoi(fields[2], &state.group)) state.group = 0;
  return state;
}

std::string CommandLine(pid_t pid) {
  std::string command = ReadProcFile(absl::StrCat("/proc/", pid, "/cmdline"));
  while (!command.empty() && command.back() == '\0') command.pop_back();
  std::replace(command.begin(), command.end(), '\0', ' ');
  if (command.size() > 200) command = absl::StrCat(command.substr(0, 200), "...");
  return command.empty() ? "?" : command;
}

// Kills every process below this one that outlived `group`: the orphans
// reparented to us (we are their subreaper) and everything below them.
// Each round stops the whole tree first (so nothing forks past the kill),
// then kills it; orphans of the killed come to us for the next round.
// Returns the living ones that had left the group, named: members of the
// group were killed with it and may still be on their way out (a
// ThreadSanitizer process takes a while to unmap its shadow memory). Only when no other child is being waited
// for: their processes are ours too, and not strays.
std::vector<std::string> KillStrays(pid_t group) {
  std::vector<std::string> named;
  if (ActiveGroupsOtherThan(group) != 0) return named;
  std::set<pid_t> seen;
  for (int round = 0; round < 100; ++round) {
    std::vector<pid_t> tree = ChildrenOf(::getpid());
    tree.erase(std::remove_if(tree.begin(), tree.end(), IsKept), tree.end());
    if (tree.empty()) break;
    for (size_t i = 0; i < tree.size(); ++i) {
      const ProcessState state = StateOf(tree[i]);
      if (!state.exited) {
        ::kill(tree[i], SIGSTOP);
        if (state.group != group && seen.insert(tree[i]).second) {
          named.push_back(absl::StrCat("pid ", tree[i], ": ", CommandLine(tree[i])));
        }
      }
      for (pid_t below : ChildrenOf(tree[i])) tree.push_back(below);
    }
    for (pid_t pid : tree) ::kill(pid, SIGKILL);
    // Reap what is ours now; the rest is reparented to us as it dies.
    int status = 0;
    while (::waitpid(-1, &status, WNOHANG) > 0) {
    }
    ::usleep(1000);
  }
  int status = 0;
  while (::waitpid(-1, &status, WNOHANG) > 0) {
  }
  return named;
}

// What SpawnGuarded started: the program, and its guard (our child).
struct Spawned {
  pid_t guard = -1;    // waits for the program and ends as it ended
  pid_t program = -1;  // leads its own process group
};

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
  ::posix_spawnattr_setflags(&attributes,
                             POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
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

// Starts argv[0] (looked up in PATH when it has no '/') under a guard (see
// BecomeTheGuard). Returns both pids, or sets `error` to why the program
// could not be started (the exec's errno comes back through a pipe).
// `life_fd` is the read end of a pipe whose write end, `life_write_fd`, only
// this process holds, open until the run is over.
Spawned SpawnGuarded(char* const* argv, char* const* shell_argv, char* const* envp,
                     int output_fd, int life_fd, int life_write_fd, int& error) {
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

}  // namespace

absl::StatusOr<ChildOutcome> RunChild(const ChildSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("RunChild: empty argv");
  if (InterruptedBy() != 0) return InterruptedError();
  // Orphaned grandchildren come to us, so KillAndReapGroup can reap them.
  static const bool kSubreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
  (void)kSubreaper;

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", ErrnoText(errno)));
  }
  ScopedFd read_end(pipe_fds[0]);
  ScopedFd write_end(pipe_fds[1]);

  std::vector<std::string> argv_storage = spec.argv;
  std::vector<std::string> env_storage = ChildEnvironment(spec.env);
  std::vector<char*> argv = CStrings(argv_storage);
  // A path to a file with no #! line runs under /bin/sh, as with execvp.
  std::vector<std::string> shell_storage;
  std::vector<char*> shell_argv;
  if (spec.argv[0].find('/') != std::string::npos) {
    shell_storage.push_back("/bin/sh");
    shell_storage.insert(shell_storage.end(), spec.argv.begin(), spec.argv.end());
    shell_argv = CStrings(shell_storage);
  }
  std::vector<char*> envp = CStrings(env_storage);

  // The guard watches this pipe: it reaches end of file only when this
  // process is gone (its write end is close-on-exec and never written).
  int life_fds[2];
  if (::pipe2(life_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", ErrnoText(errno)));
  }
  ScopedFd life_read(life_fds[0]);
  ScopedFd life_write(life_fds[1]);

  const Clock::time_point start = Clock::now();
  int spawn_error = 0;
  const Spawned spawned =
      SpawnGuarded(argv.data(), shell_argv.empty() ? nullptr : shell_argv.data(), envp.data(),
                   write_end.get(), life_read.get(), life_write.get(), spawn_error);
  if (spawned.program < 0) return CannotStartError(spec.argv[0], spawn_error);
  life_read.Reset();
  write_end.Reset();  // only the child holds the write end now
  const pid_t pid = spawned.program;
  const pid_t guard = spawned.guard;
  const int group_slot = ClaimGroupSlot(pid);
  // A signal between the check above and the claim did not see this group.
  if (InterruptedBy() != 0) {
    KillAndReapGroup(pid);
    KillAndReap(guard);
    ReleaseGroupSlot(group_slot);
    return InterruptedError();
  }

  ScopedFd child_fd(static_cast<int>(::syscall(SYS_pidfd_open, guard, 0)));
  ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);

  ChildOutcome outcome;
  OutputCapture capture(spec.output_keep_head, spec.output_keep_tail);
  const Clock::time_point deadline =
      start + std::chrono::nanoseconds(absl::ToInt64Nanoseconds(spec.timeout));
  bool output_open = true;
  bool exited = false;
  bool guard_reaped = false;  // then its pid is no longer ours to signal
  int wait_status = 0;
  char buffer[64 * 1024];

  const Clock::duration watch_interval =
      std::chrono::nanoseconds(absl::ToInt64Nanoseconds(spec.watch_interval));
  Clock::time_point next_watch = start + watch_interval;
  while (!exited) {
    Clock::time_point now = Clock::now();
    if (now >= deadline) {
      outcome.end = ChildOutcome::End::kTimedOut;
      break;
    }
    if (spec.watch && now >= next_watch) {
      std::string reason = spec.watch(pid, guard);
      if (!reason.empty()) {
        outcome.end = ChildOutcome::End::kStopped;
        outcome.stop_reason = std::move(reason);
        break;
      }
      now = Clock::now();
      next_watch = now + watch_interval;
    }
    // Rounded up, so the watchdog never fires before the deadline.
    Clock::time_point wake = deadline;
    if (spec.watch) wake = std::min(wake, next_watch);
    long long wait_ms = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
    // Without a pidfd, fall back to checking for exit every 10 ms.
    if (child_fd.get() < 0) wait_ms = std::min<long long>(wait_ms, 10);
    pollfd fds[2];
    nfds_t count = 0;
    if (output_open) fds[count++] = {read_end.get(), POLLIN, 0};
    if (child_fd.get() >= 0) fds[count++] = {child_fd.get(), POLLIN, 0};
    const int ready = ::poll(fds, count, static_cast<int>(std::max<long long>(wait_ms, 0)));
    if (ready < 0 && errno != EINTR) {
      KillAndReapGroup(pid);
      KillAndReap(guard);
      ReleaseGroupSlot(group_slot);
      return absl::InternalError(absl::StrCat("poll: ", ErrnoText(errno)));
    }
    if (output_open) {
      const ssize_t got = ::read(read_end.get(), buffer, sizeof buffer);
      if (got > 0) {
        capture.Append(buffer, static_cast<size_t>(got));
        if (capture.total() > spec.output_limit) {
          outcome.end = ChildOutcome::End::kFlooded;
          break;
        }
      } else if (got == 0) {
        output_open = false;
      }
    }
    // The guard ends as the program did.
    const pid_t reaped = ::waitpid(guard, &wait_status, WNOHANG);
    if (reaped == guard) exited = guard_reaped = true;
  }

  const bool watchdog_ended = outcome.end == ChildOutcome::End::kTimedOut ||
                              outcome.end == ChildOutcome::End::kStopped;
  if (watchdog_ended && spec.before_kill && !guard_reaped) {
    if (::waitpid(guard, &wait_status, WNOHANG) == guard) {
      guard_reaped = true;  // the program ended meanwhile
    } else {
      spec.before_kill(pid, guard);
    }
  }
  if (exited) {
    if (WIFSIGNALED(wait_status)) {
      outcome.end = ChildOutcome::End::kSignaled;
      outcome.signal = WTERMSIG(wait_status);
    } else {
      outcome.end = ChildOutcome::End::kExited;
      outcome.exit_code = WEXITSTATUS(wait_status);
    }
  }
  // Whatever ended the run, nothing of its group may outlive it, nor
  // anything it started outside the group.
  KillAndReapGroup(pid);
  if (!guard_reaped) KillAndReap(guard);  // its children (daemons) come to us, for KillStrays
  outcome.stray_processes = KillStrays(pid);
  ReleaseGroupSlot(group_slot);
  // Drain what the child wrote before it ended (its descendants are dead, so
  // the pipe reaches end-of-file), within the flood limit.
  while (outcome.end != ChildOutcome::End::kFlooded) {
    const ssize_t got = ::read(read_end.get(), buffer, sizeof buffer);
    if (got <= 0) break;
    capture.Append(buffer, static_cast<size_t>(got));
    if (capture.total() > spec.output_limit) break;
  }
  capture.MoveInto(outcome);
  outcome.wall = absl::FromChrono(Clock::now() - start);
  if (InterruptedBy() != 0) return InterruptedError();
  return outcome;
}

void StopChildrenWhenInterrupted() {
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction action {};
    action.sa_handler = KillActiveGroupsOnInterrupt;
    sigemptyset(&action.sa_mask);
    ::sigaction(signal_number, &action, nullptr);
  }
}

int InterruptedBy() { return interrupting_signal.load(); }

absl::Status CannotStartError(const std::string& program, int error) {
  const std::string text = absl::StrCat("cannot start '", program, "': ", ErrnoText(error));
  switch (error) {
    case ENOENT: return absl::NotFoundError(text);
    case EACCES:
    case EPERM: return absl::PermissionDeniedError(text);
    default: return absl::FailedPreconditionError(text);
  }
}

void KeepAcrossRuns(pid_t helper) {
  for (std::atomic<pid_t>& slot : kept_helpers) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, helper)) return;
  }
  // More helpers than slots: this one may be swept as a stray, and its
  // owner then finds it gone and does without it.
}

void ForgetKept(pid_t helper) {
  for (std::atomic<pid_t>& slot : kept_helpers) {
    pid_t kept = helper;
    if (slot.compare_exchange_strong(kept, 0)) return;
  }
}

std::string DescribeEnd(const ChildOutcome& outcome) {
  switch (outcome.end) {
    case ChildOutcome::End::kExited: return absl::StrCat("exit ", outcome.exit_code);
    case ChildOutcome::End::kSignaled:
      return absl::StrCat("signal ", outcome.signal, " (SIG", sigabbrev_np(outcome.signal) ? sigabbrev_np(outcome.signal) : "?", ")");
    case ChildOutcome::End::kTimedOut:
      return absl::StrCat("timed out after ", absl::FormatDuration(absl::Trunc(outcome.wall, absl::Milliseconds(10))));
    case ChildOutcome::End::kStopped:
      return absl::StrCat("stopped after ",
                          absl::FormatDuration(absl::Trunc(outcome.wall, absl::Milliseconds(10))),
                          ": ", outcome.stop_reason);
    case ChildOutcome::End::kFlooded:
      return absl::StrCat("killed for flooding its output (", outcome.output_bytes / (1024 * 1024),
                          " MiB printed)");
  }
  return "unknown end";
}

}  // namespace racelab
