// cases/sleep_join — downloads "waited for" by sleeping. Workers each fill
// one slot of the results; the caller either sleeps a fixed time and hopes
// they are done (`racy`), or joins every worker (`joined`). One worker is
// slower than the sleep.
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/window.h"

namespace racelab::cases::sleep_join {
namespace {

constexpr int kDownloads = 3;
constexpr int kSlowDownload = kDownloads - 1;

struct Downloads {
  std::vector<int> pages = std::vector<int>(kDownloads, 0);  // one slot per worker
  // Racy variant only: the slow download finishes only after the caller has
  // read the results, however long the caller sleeps; a relaxed flag, so
  // TSan still sees the race.
  UnorderedSignal caller_read;
};

void Download(Downloads& downloads, int index, bool slow_after_caller) {
  if (slow_after_caller && index == kSlowDownload) downloads.caller_read.AwaitRaised();
  downloads.pages[index] = 1000 + index;
}

int CountPages(const Downloads& downloads) {
  int count = 0;
  for (int page : downloads.pages) count += page != 0 ? 1 : 0;
  return count;
}

// The caller starts the downloads, "waits" for them and reads. The variants
// differ only in that wait: `join` joins every worker; the racy caller
// sleeps a fixed time and hopes (the bug), joining only after it has read.
template <bool join>
Observation DownloadThenRead() {
  Downloads downloads;
  std::vector<std::thread> workers;
  for (int i = 0; i < kDownloads; ++i) {
    workers.emplace_back(Download, std::ref(downloads), i, /*slow_after_caller=*/!join);
  }
  if (join) {
    for (std::thread& worker : workers) worker.join();
  } else {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the tutorial's "wait"
  }
  const int count = CountPages(downloads);
  if (!join) {
    downloads.caller_read.Raise();
    for (std::thread& worker : workers) worker.join();
  }
  return Observation{absl::StrCat("pages=", count), {count}};
}

// Oracle: every download is there when the caller reads.
absl::Status EveryPageThere(const Observation& observation) {
  const std::int64_t count = observation.values.at(0);
  if (count == kDownloads) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("read ", count, " of ", kDownloads,
                                                    " pages: a worker was slower than the sleep"));
}

const CaseRegistrar kRacy({.pattern = "sleep_join",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "sleep a fixed time, then read what the workers wrote",
                           .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
                           .found_by = {Detector::kTsan, Detector::kOracle},
                           .body = DownloadThenRead</*join=*/false>,
                           .oracle = EveryPageThere});

const CaseRegistrar kJoined({.pattern = "sleep_join",
                             .variant = "joined",
                             .expect = Expect::kClean,
                             .title = "join every worker, then read",
                             .body = DownloadThenRead</*join=*/true>,
                             .oracle = EveryPageThere});

}  // namespace
}  // namespace racelab::cases::sleep_join
