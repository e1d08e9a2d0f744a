// cases/audit_log — a setting handed from one thread to another with no
// synchronisation of its own, "protected" by an audit log's mutex that both
// threads happen to take. `racy`: the writer stores a new limit, then logs
// "limit set"; the reader logs "reader started", then reads the limit. In
// the natural schedule the writer, started first, logs before the reader
// does, so the log's mutex orders the store before the load and
// ThreadSanitizer's happens-before sees no race at all. Only a schedule in
// which the reader logs first leaves the store and the load unordered: the
// race TSan then reports. racelab runs this case with seeded schedules
// (`CaseSpec::perturbed`), which reach that order in about half of the
// rounds. `own_lock`: the limit has its own mutex.
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/catalog/registry.h"

namespace racelab::cases::audit_log {
namespace {

// Rounds per run, each with a new writer and reader (and so new schedule
// priorities): a perturbed run misses the bad order in every round with
// probability about 2^-kRounds.
constexpr int kRounds = 32;
constexpr int kNewLimit = 100;

// The incidental lock: both threads write a line, neither needs the other's.
class AuditLog {
 public:
  void Append(std::string line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;  // guarded by mutex_
};

// Deliberately unsynchronised (the bug under test).
class RacyLimit {
 public:
  void Set(int limit) { limit_ = limit; }
  int Get() const { return limit_; }

 private:
  int limit_ = 0;
};

class LockedLimit {
 public:
  void Set(int limit) {
    std::lock_guard lock(mutex_);
    limit_ = limit;
  }
  int Get() {
    std::lock_guard lock(mutex_);
    return limit_;
  }

 private:
  std::mutex mutex_;
  int limit_ = 0;  // guarded by mutex_
};

// Either value is a correct read (the reader may run before the writer);
// what differs between the variants is whether the read races the write.
template <typename Limit>
Observation ConfigureWhileReading() {
  int saw_new_limit = 0;
  for (int round = 0; round < kRounds; ++round) {
    Limit limit;
    AuditLog log;
    int seen = 0;
    std::thread writer([&] {
      limit.Set(kNewLimit);
      log.Append("limit set");
    });
    std::thread reader([&] {
      log.Append("reader started");
      seen = limit.Get();
    });
    writer.join();
    reader.join();
    if (seen == kNewLimit) ++saw_new_limit;
  }
  return Observation{absl::StrCat("reader_saw_new_limit=", saw_new_limit), {saw_new_limit}};
}

const CaseRegistrar kRacy({.pattern = "audit_log",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "a setting ordered only by an unrelated log mutex",
                           .bug_kinds = {FindingKind::kDataRace},
                           // Only in the runs whose schedule puts the
                           // reader's line first (README.md: most of them).
                           .sometimes_found_by = {Detector::kTsan},
                           .perturbed = true,
                           .body = ConfigureWhileReading<RacyLimit>});

const CaseRegistrar kOwnLock({.pattern = "audit_log",
                              .variant = "own_lock",
                              .expect = Expect::kClean,
                              .title = "the setting under a mutex of its own",
                              .perturbed = true,
                              .body = ConfigureWhileReading<LockedLimit>});

}  // namespace
}  // namespace racelab::cases::audit_log
