// cases/web_server — a threaded web server that shares a "database" of
// request statistics and logs through a queue to a background writer. The
// server is real: it listens on a loopback TCP socket (port 0, so the
// kernel picks a free one), two handler threads accept connections and
// answer HTTP/1.0 requests, and two client threads send kRequests requests
// over real connections. In `racy` the handlers update the statistics with
// no lock (read the count, write count + 1), so two requests handled at
// once are counted once. In `locked` the statistics are under a mutex.
// Both log every request through a BlockingQueue to one writer thread.
//
// Schedule: in `racy` each handler's first request updates the statistics
// at the same moment (an UnorderedRendezvous, invisible to TSan): a handler
// waiting there is not in accept(), so the other client's first connection
// necessarily goes to the other handler, every run.
//
// Oracle: the clients' count of 200 responses, the server's request count
// and the number of log lines written all agree.
#include <unistd.h>

#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "harness/catalog/blocking_queue.h"
#include "harness/catalog/loopback.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"
#include "harness/catalog/window.h"

namespace racelab::cases::web_server {
namespace {

constexpr int kHandlers = 2;
constexpr int kClients = 2;
constexpr int kRequestsPerClient = 4;
constexpr int kRequests = kClients * kRequestsPerClient;
constexpr int kItems = 4;  // paths /items/0 .. /items/3

// Deliberately unsynchronised (the bug under test).
class UnlockedStats {
 public:
  // Counts one request for `item`; returns the server's request count.
  int Record(int item, Window& window) {
    const int served = requests_served_;
    window.Pass();
    requests_served_ = served + 1;
    ++hits_[item];
    return served + 1;
  }
  int RequestsServed() const { return requests_served_; }

 private:
  int requests_served_ = 0;
  std::array<int, kItems> hits_{};
};

class LockedStats {
 public:
  int Record(int item, Window& window) {
    std::lock_guard lock(mutex_);
    const int served = requests_served_;
    window.Pass();
    requests_served_ = served + 1;
    ++hits_[item];
    return served + 1;
  }
  int RequestsServed() const {
    std::lock_guard lock(mutex_);
    return requests_served_;
  }

 private:
  mutable std::mutex mutex_;
  int requests_served_ = 0;         // guarded by mutex_
  std::array<int, kItems> hits_{};  // guarded by mutex_
};

// The path's item number, or nullopt for anything but "GET /items/<n> ".
std::optional<int> RequestedItem(absl::string_view request) {
  constexpr absl::string_view kPrefix = "GET /items/";
  if (request.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  request.remove_prefix(kPrefix.size());
  int item = 0;
  if (!absl::SimpleAtoi(request.substr(0, request.find(' ')), &item) || item < 0 ||
      item >= kItems) {
    return std::nullopt;
  }
  return item;
}

// One handler thread: accepts and answers connections until the listener
// stops accepting. Its first request passes `first`, later ones `rest`.
template <typename Stats>
void Handle(const LoopbackListener& listener, int handler, Stats& stats, Window& first,
            Window& rest, BlockingQueue<std::string>& log) {
  bool first_request = true;
  while (true) {
    const int connection = listener.Accept();
    if (connection < 0) return;  // the listener was shut down
    const std::string request = ReceiveUntil(connection, [](const std::string& text) {
      return text.find("\r\n\r\n") != std::string::npos;
    });
    const std::string request_line = request.substr(0, request.find("\r\n"));
    std::string response = "HTTP/1.0 404 Not Found\r\n\r\n";
    if (const std::optional<int> item = RequestedItem(request_line)) {
      const int served = stats.Record(*item, first_request ? first : rest);
      first_request = false;
      const std::string body = absl::StrCat("item ", *item, ", request #", served, "\n");
      response = absl::StrCat("HTTP/1.0 200 OK\r\nContent-Length: ", body.size(), "\r\n\r\n", body);
    }
    SendAll(connection, response);
    ::close(connection);
    log.Push(absl::StrCat("handler ", handler, ": ", request_line, " -> ", response.substr(9, 3)));
  }
}

// One client request over a fresh connection; true on a 200 response.
bool Fetch(int port, int item) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return false;
  bool ok = SendAll(fd, absl::StrCat("GET /items/", item, " HTTP/1.0\r\nHost: localhost\r\n\r\n"));
  if (ok) {
    const std::string response = ReceiveUntil(fd, [](const std::string&) { return false; });
    ok = absl::string_view(response).substr(0, 15) == "HTTP/1.0 200 OK";
  }
  ::close(fd);
  return ok;
}

template <typename Stats, typename FirstWindow>
Observation ServeRequests() {
  LoopbackListener listener;
  if (!listener.ok()) return Observation{"cannot listen on 127.0.0.1", {-1, -1, -1}};
  BlockingQueue<std::string> log;
  std::vector<std::string> written;
  std::thread writer([&] {
    while (std::optional<std::string> line = log.Pop()) written.push_back(std::move(*line));
  });
  Stats stats;
  Meeting first_requests(kHandlers);
  std::vector<std::thread> handlers;
  for (int handler = 0; handler < kHandlers; ++handler) {
    handlers.emplace_back([&, handler] {
      FirstWindow first(first_requests);
      Spin rest(first_requests);
      Handle(listener, handler, stats, first, rest, log);
    });
  }
  int ok_responses[kClients] = {};
  RunTogether(kClients, [&](int client) {
    for (int request = 0; request < kRequestsPerClient; ++request) {
      ok_responses[client] += Fetch(listener.port(), (client + request) % kItems) ? 1 : 0;
    }
  });
  listener.StopAccepting();
  for (std::thread& handler : handlers) handler.join();
  log.Close();
  writer.join();
  const int responses = ok_responses[0] + ok_responses[1];
  const int served = stats.RequestsServed();
  const int logged = static_cast<int>(written.size());
  return Observation{absl::StrCat("responses=", responses, " served=", served, " logged=", logged),
                     {responses, served, logged}};
}

// Oracle: every request answered, counted once and logged once.
absl::Status CountsAgree(const Observation& observation) {
  const auto& values = observation.values;
  if (values.at(0) == kRequests && values.at(1) == kRequests && values.at(2) == kRequests) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat("request count mismatch: ", kRequests, " sent, ", observation.summary));
}

const CaseRegistrar kRacy(
    {.pattern = "web_server",
     .variant = "racy",
     .expect = Expect::kBug,
     .title = "loopback HTTP handlers update shared request stats with no lock",
     .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
     .found_by = {Detector::kTsan, Detector::kOracle},
     .body = ServeRequests<UnlockedStats, UnorderedRendezvous>,
     .oracle = CountsAgree});

const CaseRegistrar kLocked({.pattern = "web_server",
                             .variant = "locked",
                             .expect = Expect::kClean,
                             .title = "stats under a mutex, logging through a blocking queue",
                             .body = ServeRequests<LockedStats, Spin>,
                             .oracle = CountsAgree});

}  // namespace
}  // namespace racelab::cases::web_server
