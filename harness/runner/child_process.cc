// Child process spawning, capture and watchdog (see child_process.h).
#include "harness/runner/child_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
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

absl::Status SpawnError(const std::string& program, int error) {
  const std::string text = absl::StrCat("cannot start '", program, "': ", ErrnoText(error));
  switch (error) {
    case ENOENT: return absl::NotFoundError(text);
    case EACCES:
    case EPERM: return absl::PermissionDeniedError(text);
    default: return absl::FailedPreconditionError(text);
  }
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

std::string ReadProcFile(const std::string& path) {
  std::string text;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buffer[4096];
  ssize_t n = 0;
  while (text.size() < 64 * 1024 && (n = ::read(fd, buffer, sizeof buffer)) > 0) {
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

// The children of process `pid` (every thread's), from /proc.
std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::vector<pid_t> children;
  const std::string tasks = absl::StrCat("/proc/", pid, "/task");
  DIR* dir = ::opendir(tasks.c_str());
  if (dir == nullptr) return children;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const std::string list = ReadProcFile(absl::StrCat(tasks, "/", entry->d_name, "/children"));
    for (absl::string_view field : absl::StrSplit(list, ' ', absl::SkipWhitespace())) {
      pid_t child = 0;
      if (absl::SimpleAtoi(field, &child) && child > 0) children.push_back(child);
    }
  }
  ::closedir(dir);
  return children;
}

// A zombie has exited already: it only waits to be reaped.
bool IsZombie(pid_t pid) {
  const std::string stat = ReadProcFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t end_of_name = stat.rfind(')');
  return end_of_name == std::string::npos || end_of_name + 2 >= stat.size() ||
         stat[end_of_name + 2] == 'Z';
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
// Returns the living ones, named. Only when no other child is being waited
// for: their processes are ours too, and not strays.
std::vector<std::string> KillStrays(pid_t group) {
  std::vector<std::string> named;
  if (ActiveGroupsOtherThan(group) != 0) return named;
  std::set<pid_t> seen;
  for (int round = 0; round < 100; ++round) {
    std::vector<pid_t> tree = ChildrenOf(::getpid());
    if (tree.empty()) break;
    for (size_t i = 0; i < tree.size(); ++i) {
      if (!IsZombie(tree[i])) {
        ::kill(tree[i], SIGSTOP);
        if (seen.insert(tree[i]).second) {
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

// Starts argv[0] (looked up in PATH when it has no '/') in a process group
// of its own, stdin from /dev/null, stdout and stderr into `output_fd`, no
// signal blocked and the usual ones at their defaults; it is killed when
// the thread that started it ends (PR_SET_PDEATHSIG, kept across exec), so a
// racelab killed outright does not leave its program running. Returns the
// pid, or -1 with `error` set to why it could not be started (the exec's
// errno comes back through a close-on-exec pipe). Between fork and exec the
// child makes only async-signal-safe calls.
pid_t SpawnDyingWithUs(char* const* argv, char* const* envp, int output_fd, int& error) {
  int status_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    error = errno;
    return -1;
  }
  const pid_t parent = ::getpid();
  sigset_t all, previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);  // no handler of ours runs in the child
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(status_pipe[0]);
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // we died before the line above
    const int input = ::open("/dev/null", O_RDONLY);
    if (input >= 0 && input != STDIN_FILENO) {
      ::dup2(input, STDIN_FILENO);
      ::close(input);
    }
    ::dup2(output_fd, STDOUT_FILENO);
    ::dup2(output_fd, STDERR_FILENO);
    for (int signal_number : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) {
      ::signal(signal_number, SIG_DFL);
    }
    sigset_t none;
    sigemptyset(&none);
    ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
    ::execvpe(argv[0], argv, envp);
    const int failed = errno;
    (void)!::write(status_pipe[1], &failed, sizeof failed);
    ::_exit(127);
  }
  const int fork_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  ::close(status_pipe[1]);
  if (pid < 0) {
    ::close(status_pipe[0]);
    error = fork_error;
    return -1;
  }
  int failed = 0;
  ssize_t got = 0;
  do {
    got = ::read(status_pipe[0], &failed, sizeof failed);
  } while (got < 0 && errno == EINTR);
  ::close(status_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof failed)) {  // the exec failed: reap the child
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    error = failed;
    return -1;
  }
  return pid;
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
  std::vector<char*> envp = CStrings(env_storage);

  const Clock::time_point start = Clock::now();
  int spawn_error = 0;
  const pid_t pid = SpawnDyingWithUs(argv.data(), envp.data(), write_end.get(), spawn_error);
  if (pid < 0) return SpawnError(spec.argv[0], spawn_error);
  write_end.Reset();  // only the child holds the write end now
  const int group_slot = ClaimGroupSlot(pid);
  // A signal between the check above and the claim did not see this group.
  if (InterruptedBy() != 0) {
    KillAndReapGroup(pid);
    ReleaseGroupSlot(group_slot);
    return InterruptedError();
  }

  ScopedFd child_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);

  ChildOutcome outcome;
  OutputCapture capture(spec.output_keep_head, spec.output_keep_tail);
  const Clock::time_point deadline =
      start + std::chrono::nanoseconds(absl::ToInt64Nanoseconds(spec.timeout));
  bool output_open = true;
  bool exited = false;
  int wait_status = 0;
  char buffer[64 * 1024];

  while (!exited) {
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      outcome.end = ChildOutcome::End::kTimedOut;
      break;
    }
    // Rounded up, so the watchdog never fires before the deadline.
    const long long remaining =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    pollfd fds[2];
    nfds_t count = 0;
    if (output_open) fds[count++] = {read_end.get(), POLLIN, 0};
    if (child_fd.get() >= 0) fds[count++] = {child_fd.get(), POLLIN, 0};
    // Without a pidfd, fall back to checking for exit every 10 ms.
    const int wait_ms = child_fd.get() >= 0 ? static_cast<int>(remaining)
                                             : static_cast<int>(std::min<long long>(remaining, 10));
    const int ready = ::poll(fds, count, wait_ms);
    if (ready < 0 && errno != EINTR) {
      KillAndReapGroup(pid);
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
    const pid_t reaped = ::waitpid(pid, &wait_status, WNOHANG);
    if (reaped == pid) exited = true;
  }

  if (outcome.end == ChildOutcome::End::kTimedOut && spec.diagnosis_signal != 0) {
    // Ask the hung child what it is waiting for before it dies.
    ::kill(pid, spec.diagnosis_signal);
    const Clock::time_point give_up =
        Clock::now() + std::chrono::nanoseconds(absl::ToInt64Nanoseconds(spec.diagnosis_grace));
    while (Clock::now() < give_up && !(spec.diagnosis_done && spec.diagnosis_done())) {
      if (::waitpid(pid, &wait_status, WNOHANG) == pid) break;  // it died meanwhile
      ::usleep(10 * 1000);
    }
  }
  if (outcome.end == ChildOutcome::End::kTimedOut && spec.before_kill &&
      ::waitpid(pid, &wait_status, WNOHANG) == 0) {
    spec.before_kill(pid);
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

std::string DescribeEnd(const ChildOutcome& outcome) {
  switch (outcome.end) {
    case ChildOutcome::End::kExited: return absl::StrCat("exit ", outcome.exit_code);
    case ChildOutcome::End::kSignaled:
      return absl::StrCat("signal ", outcome.signal, " (SIG", sigabbrev_np(outcome.signal) ? sigabbrev_np(outcome.signal) : "?", ")");
    case ChildOutcome::End::kTimedOut:
      return absl::StrCat("timed out after ", absl::FormatDuration(absl::Trunc(outcome.wall, absl::Milliseconds(10))));
    case ChildOutcome::End::kFlooded:
      return absl::StrCat("killed for flooding its output (", outcome.output_bytes / (1024 * 1024),
                          " MiB printed)");
  }
  return "unknown end";
}

}  // namespace racelab
