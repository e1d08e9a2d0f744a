// cases/lock_pipeline — the tutorial's single-slot producer/consumer
// pipeline. One slot holds a message; a "producer lock" and a "consumer
// lock" take turns. In the tutorial (and `racy`) each lock is released by
// the *other* thread: the producer unlocks the consumer's lock and vice
// versa. A std::mutex must be unlocked by its owner, so that is undefined
// behaviour that merely happens to work with glibc. `semaphore` does the
// same hand-off with two std::binary_semaphores, which are meant for it;
// `condition` uses one mutex and a condition variable. All three pipelines
// have the same Put/Take shape.
#include <condition_variable>
#include <mutex>
#include <optional>
#include <semaphore>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"

namespace racelab::cases::lock_pipeline {
namespace {

constexpr int kMessages = 1000;
constexpr int kSentinel = -1;

int NthMessage(int n) { return 3 * n + 1; }

// Deliberately wrong (the bug under test): mutexes used as semaphores.
class RacyPipeline {
 public:
  RacyPipeline() { consumer_lock_.lock(); }  // nothing to take yet
  void Put(int message) {
    producer_lock_.lock();
    message_ = message;
    consumer_lock_.unlock();  // not ours: locked by the constructor or Take()
  }
  int Take() {
    consumer_lock_.lock();
    const int message = message_;
    producer_lock_.unlock();  // not ours: locked by Put()
    return message;
  }

 private:
  std::mutex producer_lock_;
  std::mutex consumer_lock_;
  int message_ = 0;
};

class SemaphorePipeline {
 public:
  void Put(int message) {
    slot_free_.acquire();
    message_ = message;
    slot_full_.release();
  }
  int Take() {
    slot_full_.acquire();
    const int message = message_;
    slot_free_.release();
    return message;
  }

 private:
  std::binary_semaphore slot_free_{1};
  std::binary_semaphore slot_full_{0};
  int message_ = 0;  // written after slot_free_, read after slot_full_
};

class ConditionPipeline {
 public:
  void Put(int message) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !message_.has_value(); });
    message_ = message;
    changed_.notify_all();
  }
  int Take() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return message_.has_value(); });
    const int message = *message_;
    message_.reset();
    changed_.notify_all();
    return message;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<int> message_;  // guarded by mutex_
};

template <typename Pipeline>
Observation ProduceAndConsume() {
  Pipeline pipeline;
  std::vector<std::int64_t> received;
  RunTogether(2, [&](int index) {
    if (index == 0) {
      for (int n = 0; n < kMessages; ++n) pipeline.Put(NthMessage(n));
      pipeline.Put(kSentinel);
    } else {
      int message = 0;
      do {
        message = pipeline.Take();
        received.push_back(message);
      } while (message != kSentinel);
    }
  });
  return Observation{absl::StrCat("received=", received.size()), std::move(received)};
}

// Oracle: the consumer gets exactly the produced sequence, in order, then
// the sentinel, and nothing after it.
absl::Status ReceivedInOrder(const Observation& observation) {
  const std::vector<std::int64_t>& received = observation.values;
  for (int n = 0; n < kMessages; ++n) {
    if (n >= static_cast<int>(received.size())) {
      return absl::FailedPreconditionError(
          absl::StrCat("only ", received.size(), " of ", kMessages, " messages arrived"));
    }
    if (received[n] != NthMessage(n)) {
      return absl::FailedPreconditionError(
          absl::StrCat("message ", n, " was ", received[n], ", expected ", NthMessage(n)));
    }
  }
  if (received.size() != kMessages + 1 || received.back() != kSentinel) {
    return absl::FailedPreconditionError(absl::StrCat(
        "expected the sentinel after ", kMessages, " messages; got ", received.size(), " values"));
  }
  return absl::OkStatus();
}

const CaseRegistrar kRacy(
    {.pattern = "lock_pipeline",
     .variant = "racy",
     .expect = Expect::kBug,
     .title = "two std::mutexes, each unlocked by the thread that does not own it",
     .bug_kinds = {FindingKind::kMutexMisuse},
     .found_by = {Detector::kTsan, Detector::kLockorder},
     .body = ProduceAndConsume<RacyPipeline>,
     .oracle = ReceivedInOrder});

const CaseRegistrar kSemaphore({.pattern = "lock_pipeline",
                                .variant = "semaphore",
                                .expect = Expect::kClean,
                                .title = "the same hand-off with two std::binary_semaphores",
                                .body = ProduceAndConsume<SemaphorePipeline>,
                                .oracle = ReceivedInOrder});

const CaseRegistrar kCondition(
    {.pattern = "lock_pipeline",
     .variant = "condition",
     .expect = Expect::kClean,
     .title = "one std::mutex and a condition variable guarding an optional slot",
     .body = ProduceAndConsume<ConditionPipeline>,
     .oracle = ReceivedInOrder});

}  // namespace
}  // namespace racelab::cases::lock_pipeline
