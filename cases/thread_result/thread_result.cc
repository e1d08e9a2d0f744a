// cases/thread_result — a worker thread stores its result for the caller.
// `racy` reads the result before joining the worker (it joins at the end),
// so it can read it before it is written, and the read races with the
// write; `joined` joins first; `future` gets the result through the
// std::future of a std::packaged_task run on the thread.
#include <functional>
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

// A thread object that keeps its result, as the tutorial's Thread subclass.
struct ResultThread {
  int result = 0;             // written by the worker, read by the caller
  UnorderedSignal caller_looked;  // racy variant only: forces "read before write"
};

Observation ReadBeforeJoin() {
  ResultThread worker_state;
  std::thread worker([&worker_state] {
    worker_state.caller_looked.AwaitRaised();
    worker_state.result = Compute();
  });
  const int seen = worker_state.result;  // the bug: read before join
  worker_state.caller_looked.Raise();
  worker.join();
  return Observation{absl::StrCat("result=", seen), {seen}};
}

Observation JoinThenRead() {
  ResultThread worker_state;
  std::thread worker([&worker_state] { worker_state.result = Compute(); });
  worker.join();
  const int seen = worker_state.result;
  return Observation{absl::StrCat("result=", seen), {seen}};
}

Observation ThroughAFuture() {
  std::packaged_task<int()> task(Compute);
  std::future<int> result = task.get_future();
  std::thread worker(std::move(task));
  const int seen = result.get();
  worker.join();
  return Observation{absl::StrCat("result=", seen), {seen}};
}

// Oracle: the caller saw the computed result.
absl::Status ResultSeen(const Observation& observation) {
  if (observation.values.at(0) == kAnswer) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("the caller read result=", observation.values.at(0), " before it was computed"));
}

const CaseRegistrar kRacy({
    .pattern = "thread_result", .variant = "racy", .expect = Expect::kBug,
    .title = "the result is read before join",
    .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
    .found_by = {Detector::kTsan, Detector::kOracle},
    .body = ReadBeforeJoin, .oracle = ResultSeen});

const CaseRegistrar kJoined({
    .pattern = "thread_result", .variant = "joined", .expect = Expect::kClean,
    .title = "join, then read the result",
    .body = JoinThenRead, .oracle = ResultSeen});

const CaseRegistrar kFuture({
    .pattern = "thread_result", .variant = "future", .expect = Expect::kClean,
    .title = "the result through a std::future (std::packaged_task)",
    .body = ThroughAFuture, .oracle = ResultSeen});

}  // namespace
}  // namespace racelab::cases::thread_result
