// Thread states from /proc (see thread_states.h).
#include "harness/detectors/thread_states.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "harness/process/proc_files.h"

namespace racelab {
namespace {

bool ParseHex(absl::string_view text, std::uint64_t& value) {
  if (!absl::ConsumePrefix(&text, "0x")) return false;
  return absl::SimpleHexAtoi(text, &value);
}

// Whether `pc` lies in glibc's own code, from /proc/<pid>/maps.
bool InLibc(pid_t pid, std::uint64_t pc) {
  const std::string maps = ReadProcFile(absl::StrCat("/proc/", pid, "/maps"));
  for (absl::string_view line : absl::StrSplit(maps, '\n', absl::SkipEmpty())) {
    const size_t dash = line.find('-');
    const size_t space = line.find(' ');
    if (dash == absl::string_view::npos || space == absl::string_view::npos || dash > space)
      continue;
    std::uint64_t begin = 0, end = 0;
    if (!absl::SimpleHexAtoi(line.substr(0, dash), &begin) ||
        !absl::SimpleHexAtoi(line.substr(dash + 1, space - dash - 1), &end)) {
      continue;
    }
    if (pc < begin || pc >= end) continue;
    const size_t slash = line.rfind('/');
    if (slash == absl::string_view::npos) return false;
    const absl::string_view file = line.substr(slash + 1);
    return absl::StartsWith(file, "libc.so") || absl::StartsWith(file, "libc-");
  }
  return false;
}

// Whether a futex call (op, timeout) sleeps until it is woken, with no
// timeout of its own.
bool UntimedFutexWait(std::uint64_t op, std::uint64_t timeout) {
  switch (op & FUTEX_CMD_MASK) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
    case FUTEX_LOCK_PI:
    case FUTEX_WAIT_REQUEUE_PI:
#ifdef FUTEX_LOCK_PI2
    case FUTEX_LOCK_PI2:
#endif
      return timeout == 0;
    default:
      return false;
  }
}

}  // namespace

bool ParseTaskStat(absl::string_view text, std::string& name, char& state,
                   std::uint64_t& cpu_ticks) {
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == absl::string_view::npos || close == absl::string_view::npos || close < open ||
      close + 2 >= text.size()) {
    return false;
  }
  name = std::string(text.substr(open + 1, close - open - 1));
  const std::vector<absl::string_view> fields =
      absl::StrSplit(text.substr(close + 2), ' ', absl::SkipEmpty());
  // After the name: state(0) ppid pgrp session tty tpgid flags minflt
  // cminflt majflt cmajflt utime(11) stime(12).
  if (fields.size() < 13 || fields[0].size() != 1) return false;
  state = fields[0][0];
  std::uint64_t user = 0, system = 0;
  if (!absl::SimpleAtoi(fields[11], &user) || !absl::SimpleAtoi(fields[12], &system)) return false;
  cpu_ticks = user + system;
  return true;
}

bool ParseSyscallLine(absl::string_view text, ThreadSample& sample) {
  text = absl::StripAsciiWhitespace(text);
  sample.syscall = -1;
  sample.args = {};
  sample.pc = 0;
  if (text == "running") return true;
  const std::vector<absl::string_view> fields = absl::StrSplit(text, ' ', absl::SkipEmpty());
  if (fields.empty() || !absl::SimpleAtoi(fields[0], &sample.syscall)) return false;
  if (sample.syscall < 0) {  // "-1 sp pc": blocked, but not in a system call
    sample.syscall = -1;
    return fields.size() == 3 && ParseHex(fields[2], sample.pc);
  }
  if (fields.size() != 9) return false;
  for (size_t i = 0; i < 6; ++i) {
    if (!ParseHex(fields[1 + i], sample.args[i])) return false;
  }
  return ParseHex(fields[8], sample.pc);
}

bool ParseSchedstat(absl::string_view text, std::uint64_t& cpu_ns, std::uint64_t& run_count) {
  const std::vector<absl::string_view> fields =
      absl::StrSplit(absl::StripAsciiWhitespace(text), ' ', absl::SkipEmpty());
  std::uint64_t waited = 0;
  return fields.size() == 3 && absl::SimpleAtoi(fields[0], &cpu_ns) &&
         absl::SimpleAtoi(fields[1], &waited) && absl::SimpleAtoi(fields[2], &run_count);
}

ThreadWait ClassifyWait(const ThreadSample& sample) {
  switch (sample.state) {
    case 'R':
      return ThreadWait::kRunning;
    case 'Z':
    case 'X':
    case 'x':
      return ThreadWait::kGone;
    case 'S':
      break;
    default:
      return ThreadWait::kUnknown;  // D (uninterruptible), T/t (stopped), ...
  }
  if (!sample.syscall_known) return ThreadWait::kUnknown;
  switch (sample.syscall) {
    case SYS_futex:
      return UntimedFutexWait(sample.args[1], sample.args[3]) ? ThreadWait::kBlocked
                                                              : ThreadWait::kSleeping;
#ifdef SYS_futex_waitv
    case SYS_futex_waitv:
      return sample.args[3] == 0 ? ThreadWait::kBlocked : ThreadWait::kSleeping;
#endif
    case SYS_wait4:
    case SYS_waitid:
      return ThreadWait::kBlocked;
#ifdef SYS_nanosleep
    // glibc sleeps with clock_nanosleep; a raw nanosleep from outside glibc
    // is a sanitizer runtime's background thread (ThreadSanitizer's wakes
    // every 100 ms for its own housekeeping).
    case SYS_nanosleep:
      return sample.pc_in_libc ? ThreadWait::kSleeping : ThreadWait::kRuntime;
#endif
    default:
      return ThreadWait::kSleeping;
  }
}

std::string SyscallName(long syscall) {
  switch (syscall) {
    case -1:
      return "no system call";
    case SYS_futex:
      return "futex wait";
#ifdef SYS_futex_waitv
    case SYS_futex_waitv:
      return "futex_waitv";
#endif
    case SYS_wait4:
      return "wait4";
    case SYS_waitid:
      return "waitid";
#ifdef SYS_nanosleep
    case SYS_nanosleep:
      return "nanosleep";
#endif
    case SYS_clock_nanosleep:
      return "clock_nanosleep";
    case SYS_read:
      return "read";
    case SYS_write:
      return "write";
#ifdef SYS_poll
    case SYS_poll:
      return "poll";
#endif
    case SYS_ppoll:
      return "ppoll";
#ifdef SYS_select
    case SYS_select:
      return "select";
#endif
    case SYS_pselect6:
      return "pselect6";
    case SYS_epoll_pwait:
      return "epoll_pwait";
#ifdef SYS_epoll_wait
    case SYS_epoll_wait:
      return "epoll_wait";
#endif
#ifdef SYS_pause
    case SYS_pause:
      return "pause";
#endif
    case SYS_rt_sigsuspend:
      return "sigsuspend";
    case SYS_rt_sigtimedwait:
      return "sigtimedwait";
    case SYS_accept4:
      return "accept4";
#ifdef SYS_accept
    case SYS_accept:
      return "accept";
#endif
    case SYS_recvfrom:
      return "recvfrom";
    case SYS_recvmsg:
      return "recvmsg";
    default:
      return absl::StrCat("system call ", syscall);
  }
}

std::vector<ThreadSample> SampleThreads(const std::vector<pid_t>& processes) {
  std::vector<ThreadSample> samples;
  for (pid_t pid : processes) {
    for (pid_t tid : ThreadsOf(pid)) {
      const std::string dir = absl::StrCat("/proc/", pid, "/task/", tid);
      ThreadSample sample;
      sample.pid = pid;
      sample.tid = tid;
      std::uint64_t ticks = 0;
      if (!ParseTaskStat(ReadProcFile(dir + "/stat"), sample.name, sample.state, ticks)) continue;
      if (!ParseSchedstat(ReadProcFile(dir + "/schedstat"), sample.cpu_ns, sample.run_count)) {
        sample.cpu_ns = ticks * (1000000000 / static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK)));
      }
      if (sample.state == 'S') {
        sample.syscall_known = ParseSyscallLine(ReadProcFile(dir + "/syscall"), sample);
#ifdef SYS_nanosleep
        if (sample.syscall_known && sample.syscall == SYS_nanosleep) {
          sample.pc_in_libc = InLibc(pid, sample.pc);
        }
#endif
      }
      sample.wait = ClassifyWait(sample);
      const bool running = sample.wait == ThreadWait::kRunning;
      samples.push_back(std::move(sample));
      if (running) return samples;
    }
  }
  return samples;
}

namespace {

// The program's threads of `samples`, by thread id, each with its count;
// nullopt when one of them is not blocked or its count is unknown.
std::optional<std::vector<std::pair<pid_t, std::uint64_t>>> BlockedThreadsOf(
    const std::vector<ThreadSample>& samples) {
  std::vector<std::pair<pid_t, std::uint64_t>> blocked;
  for (const ThreadSample& sample : samples) {
    if (sample.wait == ThreadWait::kRuntime || sample.wait == ThreadWait::kGone) continue;
    if (sample.wait != ThreadWait::kBlocked || sample.run_count == 0) {
      return std::nullopt;
    }
    blocked.emplace_back(sample.tid, sample.run_count);
  }
  std::sort(blocked.begin(), blocked.end());
  return blocked;
}

}  // namespace

bool BlockedThroughout(const std::vector<ThreadSample>& before,
                       const std::vector<ThreadSample>& after) {
  const auto first = BlockedThreadsOf(before);
  const auto second = BlockedThreadsOf(after);
  return first && second && !first->empty() && *first == *second;
}

bool CatchesSignal(pid_t pid, int signal_number) {
  const std::string status = ReadProcFile(absl::StrCat("/proc/", pid, "/status"));
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (!absl::ConsumePrefix(&line, "SigCgt:")) continue;
    std::uint64_t mask = 0;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(line), &mask)) return false;
    return signal_number >= 1 && signal_number <= 64 && ((mask >> (signal_number - 1)) & 1) != 0;
  }
  return false;
}

}  // namespace racelab
