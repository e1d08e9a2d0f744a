// cases/crawler — the tutorials' homework crawler: crawler threads take
// URLs from a queue, fetch each page once, put what they fetched on a
// results queue and the page's links back on the URL queue; the crawl
// stops when no URL is queued or being crawled (the shutdown event closes
// the URL queue). The "web" is an in-memory site of kPages pages whose
// links form cycles, and the seed list names the home page twice, as a
// user pasting seeds would. In `racy` the visited set is a plain array
// checked and then set with no lock, so both crawlers claim the home page
// and fetch it twice. In `locked` claiming a URL is one step under a mutex.
// Both shut down the same clean way: an atomic count of URLs queued or in
// progress, and the crawler that brings it to zero closes the queue.
//
// Schedule: in `racy` each crawler's first claim checks the visited set at
// the same moment (an UnorderedRendezvous, invisible to TSan). The queue
// starts with the two seeds, and a crawler waiting there holds one, so the
// other crawler necessarily takes the second copy: both see "not visited",
// every run.
//
// Oracle: every page fetched exactly once.
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/blocking_queue.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"
#include "harness/catalog/window.h"

namespace racelab::cases::crawler {
namespace {

constexpr int kCrawlers = 2;
constexpr int kPages = 12;

// The site: page i links to pages 2i+1 and 2i+2 (a tree) and back home, so
// every page is reachable from "/" and most links lead somewhere visited.
// Built before the crawlers start and only read by them.
class Site {
 public:
  Site() {
    for (int page = 0; page < kPages; ++page) index_[UrlOf(page)] = page;
  }
  static std::string UrlOf(int page) { return page == 0 ? "/" : absl::StrCat("/page/", page); }
  // The page number of a URL on this site, or -1.
  int PageOf(const std::string& url) const {
    const auto it = index_.find(url);
    return it == index_.end() ? -1 : it->second;
  }
  // "Fetches" a page: the URLs it links to.
  std::vector<std::string> Fetch(int page) const {
    std::vector<std::string> links;
    for (int child : {2 * page + 1, 2 * page + 2}) {
      if (child < kPages) links.push_back(UrlOf(child));
    }
    links.push_back(UrlOf(0));
    return links;
  }

 private:
  std::map<std::string, int> index_;
};

// Deliberately unsynchronised (the bug under test): check, then set.
class UnlockedVisited {
 public:
  // True when the caller is the first to claim `page` and must fetch it.
  bool TryClaim(int page, Window& window) {
    if (seen_[page]) return false;
    window.Pass();
    seen_[page] = true;
    return true;
  }

 private:
  std::array<bool, kPages> seen_{};
};

class LockedVisited {
 public:
  bool TryClaim(int page, Window& window) {
    std::lock_guard lock(mutex_);
    window.Pass();
    return seen_.insert(page).second;
  }

 private:
  std::mutex mutex_;
  std::set<int> seen_;  // guarded by mutex_
};

// The URL queue and the count of URLs queued or being crawled; the last
// one done closes the queue (the shutdown event), which ends every crawler.
class Frontier {
 public:
  void Add(std::string url) {
    pending_.fetch_add(1);
    urls_.Push(std::move(url));
  }
  std::optional<std::string> Next() { return urls_.Pop(); }
  void Done() {
    if (pending_.fetch_sub(1) == 1) urls_.Close();
  }

 private:
  BlockingQueue<std::string> urls_;
  std::atomic<int> pending_{0};
};

template <typename Visited, typename FirstWindow>
Observation Crawl() {
  const Site site;
  Frontier frontier;
  frontier.Add("/");
  frontier.Add("/");  // the seed list names the home page twice
  Visited visited;
  BlockingQueue<std::string> results;
  Meeting first_claims(kCrawlers);
  RunTogether(kCrawlers, [&](int) {
    FirstWindow first(first_claims);
    Spin rest(first_claims);
    bool first_claim = true;
    while (std::optional<std::string> url = frontier.Next()) {
      const int page = site.PageOf(*url);
      if (page >= 0 && visited.TryClaim(page, first_claim ? static_cast<Window&>(first) : rest)) {
        results.Push(*url);  // fetched
        for (std::string& link : site.Fetch(page)) frontier.Add(std::move(link));
      }
      first_claim = false;
      frontier.Done();
    }
  });
  results.Close();
  std::map<std::string, int> fetches;
  int total = 0;
  while (std::optional<std::string> url = results.Pop()) {
    ++fetches[*url];
    ++total;
  }
  std::string twice;
  int duplicated = 0;
  for (const auto& [url, count] : fetches) {
    if (count < 2) continue;
    ++duplicated;
    if (twice.empty()) twice = absl::StrCat(", fetched twice: ", url);
  }
  const int distinct = static_cast<int>(fetches.size());
  return Observation{absl::StrCat("fetches=", total, " pages=", distinct, twice),
                     {total, distinct, duplicated}};
}

// Oracle: each of the kPages pages fetched exactly once.
absl::Status EachPageOnce(const Observation& observation) {
  const auto& values = observation.values;
  if (values.at(0) == kPages && values.at(1) == kPages) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(values.at(2), " pages fetched more than once, ",
                                                    kPages - values.at(1), " never (",
                                                    observation.summary, ")"));
}

const CaseRegistrar kRacy({.pattern = "crawler",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "crawlers check then set a shared visited array with no lock",
                           .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
                           .found_by = {Detector::kTsan, Detector::kOracle},
                           .body = Crawl<UnlockedVisited, UnorderedRendezvous>,
                           .oracle = EachPageOnce});

const CaseRegistrar kLocked(
    {.pattern = "crawler",
     .variant = "locked",
     .expect = Expect::kClean,
     .title = "claiming a URL is one step under a mutex; the last crawler done closes the queue",
     .body = Crawl<LockedVisited, Spin>,
     .oracle = EachPageOnce});

}  // namespace
}  // namespace racelab::cases::crawler
