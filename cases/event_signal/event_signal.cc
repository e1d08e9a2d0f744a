// cases/event_signal — a background task waits for an event. `racy` uses a
// plain bool flag that the task polls: a data race (and, optimised, a loop
// the compiler may turn into `while (true)`). `atomic` waits on a
// std::atomic<bool> with wait/notify; `latch` uses a std::latch.
#include <atomic>
#include <latch>
#include <thread>

#include "absl/status/status.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"

namespace racelab::cases::event_signal {
namespace {

// Deliberately unsynchronised (the bug under test).
class RacyEvent {
 public:
  void Set() { set_ = true; }
  void Wait() {
    while (!set_) std::this_thread::yield();
  }

 private:
  bool set_ = false;
};

class AtomicEvent {
 public:
  void Set() {
    set_.store(true, std::memory_order_release);
    set_.notify_all();
  }
  void Wait() { set_.wait(false, std::memory_order_acquire); }

 private:
  std::atomic<bool> set_{false};
};

class LatchEvent {
 public:
  void Set() { latch_.count_down(); }
  void Wait() { latch_.wait(); }

 private:
  std::latch latch_{1};
};

template <typename Event>
Observation SignalBackgroundTask() {
  Event event;
  int payload = 0;
  int seen = -1;
  RunTogether(2, [&](int index) {
    if (index == 0) {
      payload = 42;  // published by Set()
      event.Set();
    } else {
      event.Wait();
      seen = payload;
    }
  });
  return Observation{seen == 42 ? "payload seen" : "payload missing", {seen}};
}

// Oracle: the task saw what was published before the event.
absl::Status PayloadSeen(const Observation& observation) {
  if (observation.values.at(0) == 42) return absl::OkStatus();
  return absl::FailedPreconditionError("the task ran without the payload");
}

const CaseRegistrar kRacy({.pattern = "event_signal",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "a plain bool flag, polled",
                           .bug_kinds = {FindingKind::kDataRace},
                           .found_by = {Detector::kTsan},
                           .body = SignalBackgroundTask<RacyEvent>,
                           .oracle = PayloadSeen});

const CaseRegistrar kAtomic({.pattern = "event_signal",
                             .variant = "atomic",
                             .expect = Expect::kClean,
                             .title = "std::atomic<bool> with wait/notify",
                             .body = SignalBackgroundTask<AtomicEvent>,
                             .oracle = PayloadSeen});

const CaseRegistrar kLatch({.pattern = "event_signal",
                            .variant = "latch",
                            .expect = Expect::kClean,
                            .title = "std::latch",
                            .body = SignalBackgroundTask<LatchEvent>,
                            .oracle = PayloadSeen});

}  // namespace
}  // namespace racelab::cases::event_signal
