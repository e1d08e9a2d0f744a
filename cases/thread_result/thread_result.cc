// cases/thread_result — a worker thread stores its result for the caller.
// `racy` reads the result before joining the worker (it joins at the end),
// so it can read it before it is written, and the read races with the
// write; `joined` joins first; `future` gets the result through the
// std::future of a std::packaged_task run on the thread.
#include <future>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/window.h"

namespace racelab::cases::thread_result {
namespace {

constexpr int kAnswer = 42;

int Compute() { return kAnswer; }

// How the caller gets the result of Compute() run on a worker thread: three
// hand-offs with one shape (Start, then Get), so the diff between them is
// the bug and its two fixes.

// The tutorial's Thread subclass that keeps its result, read before join:
// deliberately wrong (the bug under test).
class ReadBeforeJoin {
 public:
  void Start() {
    worker_ = std::thread([this] {
      caller_looked_.AwaitRaised();  // forces "read before write" every run
      result_ = Compute();
    });
  }
  int Get() {
    const int seen = result_;  // the bug: read before join
    caller_looked_.Raise();
    worker_.join();
    return seen;
  }

 private:
  std::thread worker_;
  int result_ = 0;  // written by the worker, read by the caller
  UnorderedSignal caller_looked_;
};

class JoinThenRead {
 public:
  void Start() {
    worker_ = std::thread([this] { result_ = Compute(); });
  }
  int Get() {
    worker_.join();
    return result_;
  }

 private:
  std::thread worker_;
  int result_ = 0;  // written by the worker before join, read after
};

class ThroughAFuture {
 public:
  void Start() {
    std::packaged_task<int()> task(Compute);
    result_ = task.get_future();
    worker_ = std::thread(std::move(task));
  }
  int Get() {
    const int seen = result_.get();
    worker_.join();
    return seen;
  }

 private:
  std::thread worker_;
  std::future<int> result_;
};

template <typename Handoff>
Observation ComputeOnAThread() {
  Handoff handoff;
  handoff.Start();
  const int seen = handoff.Get();
  return Observation{absl::StrCat("result=", seen), {seen}};
}

// Oracle: the caller saw the computed result.
absl::Status ResultSeen(const Observation& observation) {
  if (observation.values.at(0) == kAnswer) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("the caller read result=", observation.values.at(0), " before it was computed"));
}

const CaseRegistrar kRacy({.pattern = "thread_result",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "the result is read before join",
                           .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
                           .found_by = {Detector::kTsan, Detector::kOracle},
                           .body = ComputeOnAThread<ReadBeforeJoin>,
                           .oracle = ResultSeen});

const CaseRegistrar kJoined({.pattern = "thread_result",
                             .variant = "joined",
                             .expect = Expect::kClean,
                             .title = "join, then read the result",
                             .body = ComputeOnAThread<JoinThenRead>,
                             .oracle = ResultSeen});

const CaseRegistrar kFuture({.pattern = "thread_result",
                             .variant = "future",
                             .expect = Expect::kClean,
                             .title = "the result through a std::future (std::packaged_task)",
                             .body = ComputeOnAThread<ThroughAFuture>,
                             .oracle = ResultSeen});

}  // namespace
}  // namespace racelab::cases::thread_result
