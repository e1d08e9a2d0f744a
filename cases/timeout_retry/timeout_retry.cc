// cases/timeout_retry — acquire with a timeout and retry. Two clerks move
// money between the same two ledgers in opposite directions; each takes
// its first ledger, then tries the second with a timeout. `racy` keeps the
// first ledger while it retries the second, so after the first round each
// clerk holds what the other wants and both retry forever: no thread is
// blocked, yet nothing progresses (a livelock: the lock hooks see both
// threads keep failing on what the other holds, and name it).
// `backoff` releases everything after a failed try, sleeps a random
// (seeded) jitter, and starts over, so one of them gets both.
//
// Schedule: both clerks take their first ledger before either tries its
// second (an UnorderedRendezvous on the first attempt), every run.
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"
#include "harness/catalog/window.h"

namespace racelab::cases::timeout_retry {
namespace {

constexpr auto kTryFor = std::chrono::milliseconds(5);

// try_lock_for would be the idiom, but libstdc++ implements it with
// pthread_mutex_clocklock, which neither gcc 12's nor clang 14's
// ThreadSanitizer intercepts: TSan then misses the acquisition and reports
// the unlock as "unlock of an unlocked mutex". A system_clock deadline goes
// through pthread_mutex_timedlock, which TSan does see.
bool TryLockBriefly(std::timed_mutex& mutex) {
  return mutex.try_lock_until(std::chrono::system_clock::now() + kTryFor);
}

struct Ledgers {
  std::timed_mutex ledger[2];
  int moves[2] = {0, 0};  // by clerk; each writes its own
};

// Deliberately wrong (the bug under test): the first lock is kept while
// the second is retried.
void RacyMove(Ledgers& ledgers, int clerk, Window& window) {
  std::timed_mutex& first = ledgers.ledger[clerk];
  std::timed_mutex& second = ledgers.ledger[1 - clerk];
  std::unique_lock hold_first(first);
  window.Pass();
  while (!TryLockBriefly(second)) {
    // retry, still holding `first`
  }
  ++ledgers.moves[clerk];
  second.unlock();
}

void BackoffMove(Ledgers& ledgers, int clerk, Window& window) {
  std::timed_mutex& first = ledgers.ledger[clerk];
  std::timed_mutex& second = ledgers.ledger[1 - clerk];
  std::minstd_rand jitter(static_cast<unsigned>(clerk + 1));
  for (;;) {
    std::unique_lock hold_first(first);
    window.Pass();
    if (TryLockBriefly(second)) {
      ++ledgers.moves[clerk];
      second.unlock();
      return;
    }
    hold_first.unlock();  // give everything back, wait a little, start over
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + jitter() % 10));
  }
}

template <void (*Move)(Ledgers&, int, Window&)>
Observation TwoClerks() {
  Ledgers ledgers;
  Meeting clerks(2);
  RunTogether(2, [&](int clerk) {
    UnorderedRendezvous window(clerks);
    Move(ledgers, clerk, window);
  });
  return Observation{absl::StrCat("moves=", ledgers.moves[0], "+", ledgers.moves[1]),
                     {ledgers.moves[0] + ledgers.moves[1]}};
}

// Oracle: both moves happened.
absl::Status BothMoved(const Observation& observation) {
  if (observation.values.at(0) == 2) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(observation.values.at(0), " of 2 moves happened"));
}

const CaseRegistrar kRacy(
    {.pattern = "timeout_retry",
     .variant = "racy",
     .expect = Expect::kBug,
     .title = "keeps the first lock while retrying the second with a timeout, in AB/BA order",
     .bug_kinds = {FindingKind::kLivelock},
     .found_by = {Detector::kWatchdog},
     .body = TwoClerks<RacyMove>,
     .oracle = BothMoved});

const CaseRegistrar kBackoff(
    {.pattern = "timeout_retry",
     .variant = "backoff",
     .expect = Expect::kClean,
     .title = "releases everything after a failed try, backs off with jitter, retries",
     .body = TwoClerks<BackoffMove>,
     .oracle = BothMoved});

}  // namespace
}  // namespace racelab::cases::timeout_retry
