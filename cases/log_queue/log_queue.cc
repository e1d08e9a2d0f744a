// cases/log_queue — request handlers log through a queue to background
// writers. The handlers have queued kMessages lines; two writer threads
// drain the queue. `racy` hand-rolls the queue: `if (!empty) pop` on a
// vector and a read index with no lock, so both writers take the same line
// (written twice) and the index is a data race. `blocking_queue` uses a
// mutex + condition variable queue (BlockingQueue), closed once the
// handlers are done.
//
// Schedule: in `racy` both writers look at the queue before either moves
// the index (an UnorderedRendezvous, invisible to TSan), every run.
#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/blocking_queue.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"
#include "harness/catalog/window.h"

namespace racelab::cases::log_queue {
namespace {

constexpr int kMessages = 20;
constexpr int kWriters = 2;

// Deliberately unsynchronised (the bug under test).
class RacyLogQueue {
 public:
  void Push(std::string line) { lines_.push_back(std::move(line)); }
  void Close() {}
  // Returns false when it found the queue empty.
  bool TryPop(std::string& line, Window& window) {
    const std::size_t next = next_;
    if (next >= lines_.size()) return false;  // if not empty...
    line = lines_[next];
    window.Pass();
    next_ = next + 1;  // ...pop
    return true;
  }

 private:
  std::vector<std::string> lines_;
  std::size_t next_ = 0;
};

class BlockingLogQueue {
 public:
  void Push(std::string line) { queue_.Push(std::move(line)); }
  void Close() { queue_.Close(); }
  bool TryPop(std::string& line, Window& window) {
    window.Pass();
    std::optional<std::string> popped = queue_.Pop();
    if (!popped) return false;
    line = std::move(*popped);
    return true;
  }

 private:
  BlockingQueue<std::string> queue_;
};

template <typename Queue, typename DrainWindow>
Observation HandlersThenWriters() {
  Queue queue;
  for (int request = 0; request < kMessages; ++request) {
    queue.Push(absl::StrCat("GET /item/", request, " 200"));
  }
  queue.Close();
  Meeting writers(kWriters);
  std::vector<std::string> written[kWriters];
  RunTogether(kWriters, [&](int writer) {
    DrainWindow window(writers);
    std::string line;
    while (queue.TryPop(line, window)) written[writer].push_back(line);
  });
  std::vector<int> times_written(kMessages, 0);
  for (const auto& lines : written) {
    for (const std::string& line : lines) ++times_written[std::stoi(line.substr(10))];
  }
  int lost = 0, duplicated = 0;
  for (int times : times_written) {
    lost += times == 0 ? 1 : 0;
    duplicated += times > 1 ? 1 : 0;
  }
  return Observation{absl::StrCat("lost=", lost, " duplicated=", duplicated), {lost, duplicated}};
}

// Oracle: every message written exactly once.
absl::Status EachMessageOnce(const Observation& observation) {
  if (observation.values.at(0) == 0 && observation.values.at(1) == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(observation.values.at(0), " lines lost, ",
                                                    observation.values.at(1), " written twice"));
}

const CaseRegistrar kRacy(
    {.pattern = "log_queue",
     .variant = "racy",
     .expect = Expect::kBug,
     .title = "a hand-rolled `if (!empty) pop` queue with no lock, two writers",
     .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
     .found_by = {Detector::kTsan, Detector::kOracle},
     .body = HandlersThenWriters<RacyLogQueue, UnorderedRendezvous>,
     .oracle = EachMessageOnce});

const CaseRegistrar kBlockingQueue(
    {.pattern = "log_queue",
     .variant = "blocking_queue",
     .expect = Expect::kClean,
     .title = "a blocking queue (mutex + condition variable), closed when the handlers are done",
     .body = HandlersThenWriters<BlockingLogQueue, Spin>,
     .oracle = EachMessageOnce});

}  // namespace
}  // namespace racelab::cases::log_queue
