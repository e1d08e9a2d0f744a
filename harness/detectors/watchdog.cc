// The watchdog's judgement from thread samples (see watchdog.h).
#include "harness/detectors/watchdog.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace racelab {
namespace {

// Threads that are the program's own and alive: a sanitizer runtime's
// thread and exited threads are not counted.
bool Counted(const ThreadSample& thread) {
  return thread.wait != ThreadWait::kRuntime && thread.wait != ThreadWait::kGone;
}

std::string WaitText(const ThreadSample& thread) {
  switch (thread.wait) {
    case ThreadWait::kRunning:
      return "running";
    case ThreadWait::kBlocked:
      return absl::StrCat("blocked in ", SyscallName(thread.syscall));
    case ThreadWait::kSleeping:
      return absl::StrCat("asleep in ", SyscallName(thread.syscall), " (it can wake by itself)");
    case ThreadWait::kRuntime:
      return "a sanitizer runtime thread";
    case ThreadWait::kGone:
      return "exited";
    case ThreadWait::kUnknown:
      return absl::StrCat("state ", std::string(1, thread.state));
  }
  return "?";
}

}  // namespace

bool Watchdog::Observe(std::vector<ThreadSample> sample, absl::Time now) {
  std::map<pid_t, Seen> seen;
  bool all_blocked = false;
  bool progressed = !sampled_;
  for (const ThreadSample& thread : sample) {
    if (!Counted(thread)) continue;
    if (seen.empty()) all_blocked = true;
    seen[thread.tid] = Seen{thread.cpu_ns, thread.run_count};
    if (thread.wait != ThreadWait::kBlocked) all_blocked = false;
    if (thread.wait == ThreadWait::kRunning) progressed = true;
  }
  if (seen.size() != seen_.size()) progressed = true;
  for (const auto& [tid, now_seen] : seen) {
    auto before = seen_.find(tid);
    if (before == seen_.end() || before->second.cpu_ns != now_seen.cpu_ns ||
        before->second.run_count != now_seen.run_count) {
      progressed = true;
    }
  }
  if (progressed) last_progress_ = now;
  if (!all_blocked) {
    all_blocked_ = false;
  } else if (!all_blocked_ || progressed) {
    all_blocked_ = true;  // a new streak starts with this sample
    blocked_since_ = now;
  }
  seen_ = std::move(seen);
  last_ = std::move(sample);
  sampled_ = true;
  last_sample_time_ = now;
  return all_blocked_ && now - blocked_since_ >= quiet_period_;
}

bool Watchdog::ProgressedWithin(absl::Duration window) const {
  return !sampled_ || last_sample_time_ - last_progress_ <= window;
}

absl::Duration Watchdog::blocked_for() const {
  return all_blocked_ ? last_sample_time_ - blocked_since_ : absl::ZeroDuration();
}

std::vector<ThreadState> Watchdog::ThreadStates() const {
  std::vector<ThreadState> states;
  for (const ThreadSample& thread : last_) {
    if (!Counted(thread)) continue;
    states.push_back(ThreadState{thread.pid, thread.name, thread.tid, WaitText(thread)});
  }
  return states;
}

}  // namespace racelab
