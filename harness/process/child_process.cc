// Child process spawning, capture and watchdog (see child_process.h).
#include "harness/process/child_process.h"

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
#include <mutex>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "harness/process/guard.h"
#include "harness/process/orphans.h"
#include "harness/process/output_capture.h"
#include "harness/process/proc_files.h"
#include "harness/process/scoped_fd.h"

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

std::string ErrnoText(int error) { return std::strerror(error); }

absl::Status InterruptedError() {
  const int signal_number = interrupting_signal.load();
  return absl::CancelledError(absl::StrCat(
      "interrupted by SIG", sigabbrev_np(signal_number) ? sigabbrev_np(signal_number) : "?"));
}

// The child's environment: ours without `unset`, with `overrides`
// replacing or adding.
std::vector<std::string> ChildEnvironment(
    const std::vector<std::pair<std::string, std::string>>& overrides,
    const std::vector<std::string>& unset) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    absl::string_view text(*entry);
    const size_t equals = text.find('=');
    if (equals == absl::string_view::npos) continue;
    merged[std::string(text.substr(0, equals))] = std::string(text.substr(equals + 1));
  }
  for (const std::string& name : unset) merged.erase(name);
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

// The guard's report of what the program left running (see Spawned), read
// to its end: one "pid N: <command line>" per process, and whether the
// guard finished its sweep (the report ends with kReportEnd).
struct StrayReport {
  std::vector<std::string> strays;
  bool complete = false;
};
StrayReport ReadStrayReport(int report_fd) {
  std::string text;
  char buffer[4096];
  while (true) {
    const ssize_t got = ::read(report_fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    text.append(buffer, static_cast<size_t>(got));
  }
  StrayReport report;
  report.complete = absl::EndsWith(text, kReportEnd);
  if (report.complete) text.resize(text.size() - (sizeof kReportEnd - 1));
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    report.strays.emplace_back(line);
  }
  return report;
}

// The C strings posix_spawn takes, kept alive with their storage. A path
// to a file with no #! line runs under /bin/sh, as with execvp.
struct LaunchArguments {
  explicit LaunchArguments(const ChildSpec& spec)
      : argv_storage(spec.argv), env_storage(ChildEnvironment(spec.env, spec.unset_env)) {
    argv = CStrings(argv_storage);
    envp = CStrings(env_storage);
    if (spec.argv[0].find('/') != std::string::npos) {
      shell_storage.push_back("/bin/sh");
      shell_storage.insert(shell_storage.end(), spec.argv.begin(), spec.argv.end());
      shell_argv = CStrings(shell_storage);
    }
  }
  char* const* shell() { return shell_argv.empty() ? nullptr : shell_argv.data(); }

  std::vector<std::string> argv_storage, env_storage, shell_storage;
  std::vector<char*> argv, envp, shell_argv;
};

// One started child, from its start to its end: its output read as it
// comes, the watch asked every interval, and whatever ended it, its whole
// group, its guard and its strays killed and reaped.
class RunningChild {
 public:
  RunningChild(const ChildSpec& spec, int output_fd, int life_write_fd, Spawned spawned,
               int guard_slot, int group_slot, Clock::time_point start)
      : spec_(spec),
        output_(output_fd),
        life_write_(life_write_fd),
        report_(spawned.report_fd),
        program_(spawned.program),
        guard_(spawned.guard),
        guard_slot_(guard_slot),
        group_slot_(group_slot),
        start_(start),
        guard_fd_(static_cast<int>(::syscall(SYS_pidfd_open, spawned.guard, 0))),
        capture_(spec.output_keep_head, spec.output_keep_tail) {
    ::fcntl(output_.get(), F_SETFL, O_NONBLOCK);
  }
  RunningChild(const RunningChild&) = delete;
  RunningChild& operator=(const RunningChild&) = delete;

  // Until the guard ends (as the program did), the deadline passes, the
  // watch says stop, or the output floods. An error only when poll fails
  // (the child is then already killed).
  absl::Status WatchUntilEnd() {
    const Clock::time_point deadline =
        start_ + std::chrono::nanoseconds(absl::ToInt64Nanoseconds(spec_.timeout));
    const Clock::duration watch_interval =
        std::chrono::nanoseconds(absl::ToInt64Nanoseconds(spec_.watch_interval));
    Clock::time_point next_watch = start_ + watch_interval;
    while (!exited_) {
      Clock::time_point now = Clock::now();
      if (now >= deadline) {
        outcome_.end = ChildOutcome::End::kTimedOut;
        return absl::OkStatus();
      }
      if (spec_.watch && now >= next_watch) {
        std::string reason = spec_.watch(program_, guard_);
        if (!reason.empty()) {
          outcome_.end = ChildOutcome::End::kStopped;
          outcome_.stop_reason = std::move(reason);
          return absl::OkStatus();
        }
        now = Clock::now();
        next_watch = now + watch_interval;
      }
      // Rounded up, so the watchdog never fires before the deadline.
      Clock::time_point wake = deadline;
      if (spec_.watch) wake = std::min(wake, next_watch);
      long long wait_ms = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
      if (absl::Status waited = WaitForOutputOrEnd(wait_ms); !waited.ok()) return waited;
      if (outcome_.end == ChildOutcome::End::kFlooded) return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  // What ended the run, with everything it printed; nothing of it is left
  // running.
  ChildOutcome Finish() {
    const bool watchdog_ended =
        outcome_.end == ChildOutcome::End::kTimedOut || outcome_.end == ChildOutcome::End::kStopped;
    if (watchdog_ended && spec_.before_kill && !guard_reaped_) {
      if (::waitpid(guard_, &wait_status_, WNOHANG) == guard_) {
        guard_reaped_ = true;  // the program ended meanwhile
      } else {
        spec_.before_kill(program_, guard_);
      }
    }
    if (exited_) {
      if (WIFSIGNALED(wait_status_)) {
        outcome_.end = ChildOutcome::End::kSignaled;
        outcome_.signal = WTERMSIG(wait_status_);
      } else {
        outcome_.end = ChildOutcome::End::kExited;
        outcome_.exit_code = WEXITSTATUS(wait_status_);
      }
    }
    KillEverything();
    // Drain what the child wrote before it ended (its descendants are dead,
    // so the pipe reaches end-of-file), within the flood limit.
    while (outcome_.end != ChildOutcome::End::kFlooded) {
      const ssize_t got = ::read(output_.get(), buffer_, sizeof buffer_);
      if (got <= 0) break;
      capture_.Append(buffer_, static_cast<size_t>(got));
      if (capture_.total() > spec_.output_limit) break;
    }
    capture_.MoveInto(outcome_);
    outcome_.wall = absl::FromChrono(Clock::now() - start_);
    return std::move(outcome_);
  }

  // Whatever ended the run, nothing of its group may outlive it, nor
  // anything it started outside the group: the guard kills all of it (as
  // the program ends, or once told: its life pipe closes) and reports the
  // strays, whose names the outcome keeps. Only this run's processes are
  // touched: other runs may go on meanwhile.
  void KillEverything() {
    ::kill(-program_, SIGKILL);
    life_write_.Reset();
    if (!guard_reaped_) ReapGuard();
    guard_reaped_ = true;
    UnregisterGuard(guard_slot_);
    guard_slot_ = -1;
    StrayReport report = ReadStrayReport(report_.get());
    outcome_.stray_processes = std::move(report.strays);
    if (!report.complete) {
      // The guard was killed before it finished (from outside): what was
      // below it came to us, and is killed and named here.
      const std::unique_lock<std::mutex> children = LockChildren();
      for (std::string& stray : SweepOrphans(program_)) {
        outcome_.stray_processes.push_back(std::move(stray));
      }
    }
    ReleaseGroupSlot(group_slot_);
    group_slot_ = -1;
  }

 private:
  // Up to `wait_ms` for output or the guard's end; reads what came and
  // reaps the guard when it ended.
  absl::Status WaitForOutputOrEnd(long long wait_ms) {
    // Without a pidfd, fall back to checking for exit every 10 ms.
    if (guard_fd_.get() < 0) wait_ms = std::min<long long>(wait_ms, 10);
    pollfd fds[2];
    nfds_t count = 0;
    if (output_open_) fds[count++] = {output_.get(), POLLIN, 0};
    if (guard_fd_.get() >= 0) fds[count++] = {guard_fd_.get(), POLLIN, 0};
    const int ready = ::poll(fds, count, static_cast<int>(std::max<long long>(wait_ms, 0)));
    if (ready < 0 && errno != EINTR) {
      const int error = errno;
      KillEverything();
      return absl::InternalError(absl::StrCat("poll: ", ErrnoText(error)));
    }
    if (output_open_) {
      const ssize_t got = ::read(output_.get(), buffer_, sizeof buffer_);
      if (got > 0) {
        capture_.Append(buffer_, static_cast<size_t>(got));
        if (capture_.total() > spec_.output_limit) {
          outcome_.end = ChildOutcome::End::kFlooded;
          return absl::OkStatus();
        }
      } else if (got == 0) {
        output_open_ = false;
      }
    }
    // The guard ends as the program did.
    if (::waitpid(guard_, &wait_status_, WNOHANG) == guard_) exited_ = guard_reaped_ = true;
    return absl::OkStatus();
  }

  // Waits for the guard, done with its sweep, to end (it reaps what it
  // killed, so it is quick); one stuck for kGuardGrace is killed.
  void ReapGuard() {
    pollfd ready{guard_fd_.get(), POLLIN, 0};
    if (guard_fd_.get() < 0 || ::poll(&ready, 1, kGuardGraceMs) <= 0) ::kill(guard_, SIGKILL);
    while (::waitpid(guard_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }

  static constexpr int kGuardGraceMs = 30'000;

  const ChildSpec& spec_;
  ScopedFd output_;
  ScopedFd life_write_;  // closed: the run is over (see SpawnGuarded)
  ScopedFd report_;      // the guard's stray report
  const pid_t program_;
  const pid_t guard_;
  int guard_slot_;  // in orphans.h's registry of guards
  int group_slot_;
  const Clock::time_point start_;
  ScopedFd guard_fd_;
  OutputCapture capture_;
  ChildOutcome outcome_;
  bool output_open_ = true;
  bool exited_ = false;
  bool guard_reaped_ = false;  // then its pid is no longer ours to signal
  int wait_status_ = 0;
  char buffer_[64 * 1024];
};

// A pipe's two ends, close-on-exec; an error naming the call otherwise.
absl::Status MakePipe(ScopedFd& read_end, ScopedFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", ErrnoText(errno)));
  }
  read_end.Reset(fds[0]);
  write_end.Reset(fds[1]);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ChildOutcome> RunChild(const ChildSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("RunChild: empty argv");
  if (InterruptedBy() != 0) return InterruptedError();
  // Anything below a guard that dies before its program (killed from
  // outside) comes to us rather than to init, and dies with us.
  static const bool kSubreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
  (void)kSubreaper;

  ScopedFd read_end, write_end;
  if (absl::Status made = MakePipe(read_end, write_end); !made.ok()) return made;
  // The guard watches this pipe: it reaches end of file only when this
  // process is gone (its write end is close-on-exec and never written).
  ScopedFd life_read, life_write;
  if (absl::Status made = MakePipe(life_read, life_write); !made.ok()) return made;
  LaunchArguments arguments(spec);

  const Clock::time_point start = Clock::now();
  int spawn_error = 0;
  Spawned spawned;
  int guard_slot = -1;
  {
    // Registered as it is forked: another run's sweep never takes it for an
    // orphan.
    const std::unique_lock<std::mutex> children = LockChildren();
    spawned = SpawnGuarded(arguments.argv.data(), arguments.shell(), arguments.envp.data(),
                           write_end.get(), life_read.get(), spawn_error);
    if (spawned.program > 0) guard_slot = RegisterGuard(spawned.guard);
  }
  if (spawned.program < 0) return CannotStartError(spec.argv[0], spawn_error);
  life_read.Reset();
  write_end.Reset();  // only the child holds the write end now
  RunningChild child(spec, read_end.Release(), life_write.Release(), spawned, guard_slot,
                     ClaimGroupSlot(spawned.program), start);
  // A signal between the check above and the claim did not see this group.
  if (InterruptedBy() != 0) {
    child.KillEverything();
    return InterruptedError();
  }
  if (absl::Status watched = child.WatchUntilEnd(); !watched.ok()) return watched;
  ChildOutcome outcome = child.Finish();
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
    case ENOENT:
      return absl::NotFoundError(text);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(text);
    default:
      return absl::FailedPreconditionError(text);
  }
}

std::string DescribeEnd(const ChildOutcome& outcome) {
  switch (outcome.end) {
    case ChildOutcome::End::kExited:
      return absl::StrCat("exit ", outcome.exit_code);
    case ChildOutcome::End::kSignaled:
      return absl::StrCat("signal ", outcome.signal, " (SIG",
                          sigabbrev_np(outcome.signal) ? sigabbrev_np(outcome.signal) : "?", ")");
    case ChildOutcome::End::kTimedOut:
      return absl::StrCat("timed out after ",
                          absl::FormatDuration(absl::Trunc(outcome.wall, absl::Milliseconds(10))));
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
