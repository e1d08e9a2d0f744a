// cases/queue_shutdown — a producer/consumer pipeline stopped by an event.
// The producer puts kItems items on a queue and then says it is done. In
// `racy` the consumer loops `while (!producer_done || !queue.empty())` and
// calls the blocking get(): once it has taken the last item it sees the
// producer still running, blocks in get(), and the producer's "done" comes
// too late to wake it. `closed_queue` closes the queue instead (get()
// returns "no more" once it is drained); `timed_pop` waits with a timeout
// and rechecks the flag.
//
// Schedule, the same for every variant: the producer says it is done only
// once the consumer has taken the last item and is about to ask for
// another (a latch), i.e. the tutorial's unlucky moment, every run.
#include <atomic>
#include <chrono>
#include <latch>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "harness/catalog/blocking_queue.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"

namespace racelab::cases::queue_shutdown {
namespace {

constexpr int kItems = 5;

struct Pipeline {
  BlockingQueue<int> queue;
  std::atomic<bool> producer_done{false};
  std::latch consumer_wants_more{1};  // the consumer took the last item
  int consumed = 0;                   // the consumer's own count
  bool announced = false;             // the consumer's own: latch counted down

  // Called by the consumer before each get(): after the last item, tells
  // the producer (once) that it is about to ask for one more.
  void BeforeGet() {
    if (consumed == kItems && !announced) {
      announced = true;
      consumer_wants_more.count_down();
    }
  }
};

// Deliberately wrong (the bug under test): the flag is checked before a
// get() that nothing will ever wake.
void RacyConsume(Pipeline& pipeline) {
  while (!pipeline.producer_done.load() || !pipeline.queue.Empty()) {
    pipeline.BeforeGet();
    if (pipeline.queue.Pop()) ++pipeline.consumed;
  }
}

void ClosedQueueConsume(Pipeline& pipeline) {
  for (;;) {
    pipeline.BeforeGet();
    if (!pipeline.queue.Pop()) return;  // closed and drained
    ++pipeline.consumed;
  }
}

void TimedPopConsume(Pipeline& pipeline) {
  while (!pipeline.producer_done.load() || !pipeline.queue.Empty()) {
    pipeline.BeforeGet();
    if (pipeline.queue.PopFor(std::chrono::milliseconds(10))) ++pipeline.consumed;
  }
}

// The producer sets the stop flag in every variant (the tutorial's Event);
// only `closed_queue` also closes the queue.
template <void (*Consume)(Pipeline&), bool kCloseQueue>
Observation RunPipeline() {
  Pipeline pipeline;
  RunTogether(2, [&](int index) {
    if (index == 1) {
      Consume(pipeline);
      return;
    }
    for (int item = 0; item < kItems; ++item) pipeline.queue.Push(item);
    pipeline.consumer_wants_more.wait();
    pipeline.producer_done.store(true);
    if (kCloseQueue) pipeline.queue.Close();
  });
  return Observation{absl::StrCat("consumed=", pipeline.consumed), {pipeline.consumed}};
}

// Oracle: every item consumed, and the consumer came back.
absl::Status AllConsumed(const Observation& observation) {
  if (observation.values.at(0) == kItems) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("consumed ", observation.values.at(0), " of ", kItems, " items"));
}

const CaseRegistrar kRacy(
    {.pattern = "queue_shutdown",
     .variant = "racy",
     .expect = Expect::kBug,
     .title = "the consumer checks a stop flag, then blocks in get() after the last item",
     .bug_kinds = {FindingKind::kHang},
     .found_by = {Detector::kWatchdog},
     .body = RunPipeline<RacyConsume, false>,
     .oracle = AllConsumed});

const CaseRegistrar kClosedQueue(
    {.pattern = "queue_shutdown",
     .variant = "closed_queue",
     .expect = Expect::kClean,
     .title = "the producer closes the queue; get() returns 'no more' once drained",
     .body = RunPipeline<ClosedQueueConsume, true>,
     .oracle = AllConsumed});

const CaseRegistrar kTimedPop({.pattern = "queue_shutdown",
                               .variant = "timed_pop",
                               .expect = Expect::kClean,
                               .title = "get() with a timeout, then the stop flag is checked again",
                               .body = RunPipeline<TimedPopConsume, false>,
                               .oracle = AllConsumed});

}  // namespace
}  // namespace racelab::cases::queue_shutdown
