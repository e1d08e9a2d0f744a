// Evidence into words (see finding_message.h).
#include "harness/report/finding_message.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace racelab {
namespace {

std::string Where(const std::optional<Location>& location) {
  if (!location) return "an unknown site";
  return absl::StrCat(location->file, ":", location->line);
}

std::string LastOutput(const std::string& last) {
  return last.empty() ? "" : absl::StrCat("; last output: ", last);
}

std::string Say(const SanitizerReport& report, const std::vector<Location>& locations) {
  std::string message = absl::StrCat(report.tool, ": ", report.title);
  if (!report.names_site) return message;
  if (!locations.empty()) {
    const Location& first = locations.front();
    absl::StrAppend(&message, " at ", first.file, ":", first.line);
    if (!first.function.empty()) absl::StrAppend(&message, " in ", first.function);
  }
  std::vector<std::string> threads;
  for (const Location& location : locations) {
    if (!location.thread.empty()) threads.push_back(location.thread);
  }
  if (!threads.empty()) absl::StrAppend(&message, " (threads ", absl::StrJoin(threads, ", "), ")");
  return message;
}

// A step of a cycle the checker saw close: what the thread waits for, where,
// and who holds it where.
std::string ClosedCycleStep(const ThreadStep& step) {
  std::string waits;
  switch (step.act) {
    case ThreadStep::Act::kNeedsBack:
      waits = absl::StrCat("waits on a condition variable and needs ", step.lock, " back");
      break;
    case ThreadStep::Act::kRetries:
      waits = absl::StrCat("keeps retrying ", step.lock);
      break;
    case ThreadStep::Act::kJoins:
      waits = absl::StrCat("joins ", step.holder);
      break;
    default:
      waits = absl::StrCat("waits for ", step.lock);
      break;
  }
  return absl::StrCat(
      step.thread, " ", waits, step.at ? absl::StrCat(" at ", Where(step.at)) : "",
      step.act == ThreadStep::Act::kJoins ? "" : absl::StrCat(", held by ", step.holder),
      step.held_at ? absl::StrCat(" (taken at ", Where(step.held_at), ")") : "");
}

std::string Say(const LockCycle& cycle) {
  std::vector<std::string> steps;
  for (const ThreadStep& step : cycle.steps) {
    switch (cycle.found) {
      case LockCycle::Found::kInversion:
        steps.push_back(absl::StrCat(step.thread, " holds ", step.held, " (", Where(step.held_at),
                                     ") and requests ", step.lock, " (", Where(step.at), ")"));
        break;
      case LockCycle::Found::kClosedWaitCycle:
      case LockCycle::Found::kClosedLivelock:
        steps.push_back(ClosedCycleStep(step));
        break;
      case LockCycle::Found::kDumpedWaitCycle:
        steps.push_back(
            absl::StrCat(step.thread, " waits for ", step.lock, ", held by ", step.holder));
        break;
    }
  }
  const std::string joined = absl::StrJoin(steps, "; ");
  switch (cycle.found) {
    case LockCycle::Found::kInversion:
      return absl::StrCat("lock-order inversion ", absl::StrJoin(cycle.locks, " -> "), ": ",
                          joined);
    case LockCycle::Found::kClosedWaitCycle:
      return absl::StrCat("deadlock, found when its wait-for cycle closed: ", joined);
    case LockCycle::Found::kClosedLivelock:
      return absl::StrCat("livelock: threads retry each other's locks for ever: ", joined);
    case LockCycle::Found::kDumpedWaitCycle:
      return absl::StrCat("deadlock (", cycle.stop, "): ", joined);
  }
  return joined;
}

std::string Say(const SelfDeadlock& self) {
  return absl::StrCat(self.thread, " requests ", self.lock, self.held_shared ? " exclusively" : "",
                      " again at ", Where(self.at), " while still holding it",
                      self.held_shared ? " shared" : "", " (taken at ", Where(self.held_at),
                      "): unless another thread unlocks it for it, ", self.thread,
                      " waits for itself forever");
}

// A thread joined or detached when its end was claimed already.
std::string SayThreadClaimedTwice(const LockMisuse& misuse, const std::string& where) {
  using Kind = LockMisuse::Kind;
  const bool joins = misuse.kind == Kind::kJoinedTwice || misuse.kind == Kind::kJoinDetached;
  const bool was_joined = misuse.kind == Kind::kJoinedTwice || misuse.kind == Kind::kDetachJoined;
  const std::string earlier =
      misuse.earlier_at ? absl::StrCat(" at ", Where(misuse.earlier_at)) : std::string();
  return absl::StrCat(
      misuse.thread, joins ? " joins " : " detaches ", misuse.lock, " at ", where, ", which ",
      was_joined ? "was joined" : "was detached", earlier,
      " (undefined: a thread is joined or detached once; glibc fails the call with EINVAL or, "
      "once a new thread has its handle, ",
      joins ? "waits for that thread instead)" : "detaches that thread instead)");
}

std::string Say(const LockMisuse& misuse) {
  const std::string where = Where(misuse.at);
  switch (misuse.kind) {
    case LockMisuse::Kind::kUnlockNotOwner:
      return absl::StrCat(misuse.thread, " unlocks ", misuse.lock, " at ", where, ", but ",
                          misuse.owner.empty() ? "another thread" : misuse.owner, " holds it");
    case LockMisuse::Kind::kUnlockUnlocked:
      return absl::StrCat(misuse.thread, " unlocks ", misuse.lock, " at ", where,
                          ", which no thread holds");
    case LockMisuse::Kind::kWaitNotHeld:
      return absl::StrCat(misuse.thread, " waits on a condition with ", misuse.lock, " at ", where,
                          ", which it does not hold");
    case LockMisuse::Kind::kRelockFailed:
      return absl::StrCat(misuse.thread, " locks ", misuse.lock, " at ", where,
                          " while it holds it; the lock checks errors, so the call failed with "
                          "EDEADLK (a caller that ignores it goes on without the lock it thinks "
                          "it took)");
    case LockMisuse::Kind::kDestroyLocked:
      return absl::StrCat(misuse.thread, " destroys ", misuse.lock, " at ", where, " while ",
                          misuse.owner.empty() ? "a thread" : misuse.owner,
                          " holds it (undefined: glibc refuses a locked mutex with EBUSY, and "
                          "destroys a rwlock under its holders)");
    case LockMisuse::Kind::kUseDestroyed:
      return absl::StrCat(misuse.thread, " uses ", misuse.lock, " at ", where,
                          " after it was destroyed (the call fails with EINVAL: no lock is "
                          "taken or released)");
    case LockMisuse::Kind::kExitHolding:
      return absl::StrCat(misuse.thread, " ends while it holds ", misuse.lock, ", taken at ", where,
                          ": no other thread can ever take it");
    case LockMisuse::Kind::kWaitTwoMutexes:
      return absl::StrCat(misuse.thread, " waits on ", misuse.lock, " at ", where,
                          " with another mutex than ", misuse.other_lock,
                          ", the one other threads wait on it with (undefined: the waits of one "
                          "condition variable must all use one mutex)");
    case LockMisuse::Kind::kDestroyWaited:
      return absl::StrCat(misuse.thread, " destroys ", misuse.lock, " at ", where,
                          " while a thread still blocks on it, not woken (undefined: that "
                          "thread, or the destroy itself, may wait for ever)");
    case LockMisuse::Kind::kPostOverflow:
      return absl::StrCat(misuse.thread, " posts ", misuse.lock, " at ", where,
                          " past its maximum value (the call fails with EOVERFLOW: the post "
                          "is lost)");
    case LockMisuse::Kind::kReinitWaited:
      return absl::StrCat(misuse.thread, " initialises ", misuse.lock, " again at ", where,
                          " while a thread still blocks on it (undefined: that thread may wait "
                          "for ever)");
    case LockMisuse::Kind::kJoinedTwice:
    case LockMisuse::Kind::kJoinDetached:
    case LockMisuse::Kind::kDetachedTwice:
    case LockMisuse::Kind::kDetachJoined:
      return SayThreadClaimedTwice(misuse, where);
  }
  return "";
}

// One blocked thread of a stuck run, as the checker's dump showed it.
std::string HangWait(const ThreadStep& wait) {
  if (wait.act == ThreadStep::Act::kWaitsOnCondition) {
    return absl::StrCat(wait.thread, " waits on a condition variable (with ", wait.lock, ")",
                        wait.at ? absl::StrCat(" at ", Where(wait.at)) : "");
  }
  std::string held_by;
  if (wait.holder.empty() && wait.readers > 0) {
    held_by =
        absl::StrCat(", held shared by ", wait.readers, wait.readers == 1 ? " thread" : " threads");
  } else if (wait.holder.empty()) {
    held_by = ", held by no thread";
  } else {
    held_by = absl::StrCat(", held by ", wait.holder,
                           wait.holder_blocked ? "" : " (which is not blocked on a lock)");
  }
  return absl::StrCat(wait.thread, " waits for ", wait.lock, held_by);
}

std::string Say(const StuckRun& stuck) {
  if (stuck.dumped) {
    std::vector<std::string> waits;
    for (const ThreadStep& wait : stuck.waits) waits.push_back(HangWait(wait));
    return absl::StrCat(stuck.stop, ", no lock cycle: ",
                        waits.empty() ? "no thread is blocked on a lock or condition variable "
                                        "(busy, sleeping, or in a join)"
                                      : absl::StrJoin(waits, "; "));
  }
  std::vector<std::string> threads;
  for (const ThreadState& thread : stuck.threads) {
    threads.push_back(absl::StrCat("pid ", thread.pid, " (", thread.process, ") thread ",
                                   thread.tid, ": ", thread.state));
  }
  return absl::StrCat(stuck.stop, "; no wait-for state from the lock-order checker",
                      threads.empty() ? "" : ": ", absl::StrJoin(threads, "; "));
}

std::string Say(const StillRunning& running) {
  return absl::StrCat("still running after ", absl::FormatDuration(running.after),
                      ", not blocked (a thread ran within the last ",
                      absl::FormatDuration(running.progress_window), "): slow, or a livelock");
}

std::string Say(const ProcessEnd& end) {
  switch (end.how) {
    case ProcessEnd::How::kDied:
      return absl::StrCat("child died: ", end.ended, LastOutput(end.last_output));
    case ProcessEnd::How::kExitStatus:
      return absl::StrCat("the program exited with status ", end.exit_status, ", not ",
                          end.expected_status, LastOutput(end.last_output));
  }
  return "";
}

std::string Say(const InvariantViolation& violation) {
  return absl::StrCat("invariant violated: ", violation.violation);
}

std::string Say(const StrayProcesses& strays) {
  const size_t count = strays.processes.size();
  return absl::StrCat(
      "left ", count, count == 1 ? " process" : " processes",
      " running after it ended, killed by racelab: ", absl::StrJoin(strays.processes, "; "));
}

// GoogleTest's message on one line (its lines joined by "; "), at most
// kTestMessageLimit characters: the whole message is the finding's details.
constexpr size_t kTestMessageLimit = 300;

std::string Say(const TestFailure& failure) {
  std::vector<absl::string_view> lines;
  for (absl::string_view line : absl::StrSplit(failure.message, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) lines.push_back(line);
  }
  std::string message = absl::StrJoin(lines, "; ");
  if (message.size() > kTestMessageLimit) {
    message.resize(kTestMessageLimit);
    message += "...";
  }
  return absl::StrCat(failure.test, " failed", message.empty() ? "" : absl::StrCat(": ", message));
}

std::string Say(const WrittenMessage& written) { return written.message; }

}  // namespace

std::string FindingMessage(const Evidence& evidence, const std::vector<Location>& locations) {
  if (const auto* report = std::get_if<SanitizerReport>(&evidence)) return Say(*report, locations);
  return std::visit(
      [](const auto& facts) -> std::string {
        if constexpr (std::is_same_v<std::decay_t<decltype(facts)>, SanitizerReport>) {
          return "";  // handled above: it needs the locations
        } else {
          return Say(facts);
        }
      },
      evidence);
}

std::string DetectorNoteMessage(const DetectorNote& note) {
  std::string message =
      absl::StrCat(DetectorName(note.detector), " cannot see this program (", note.why, ")");
  if (!note.invisible.empty()) absl::StrAppend(&message, ": ", note.invisible);
  if (!note.remedy.empty()) absl::StrAppend(&message, "; ", note.remedy);
  return message;
}

}  // namespace racelab
