// cases/daemon_thread — a daemon thread still running when its owner goes
// away. A background "heartbeat" thread updates a Status object the main
// thread owns. In `racy` the thread is detached and the main thread
// destroys the Status while the heartbeat still writes to it: a
// use-after-free, which ThreadSanitizer reports as a race between the free
// and the write (AddressSanitizer as heap-use-after-free). In `jthread` the
// heartbeat is a std::jthread that stops at its stop_token and is joined
// before the Status is destroyed.
//
// Schedule: in `racy` the heartbeat writes right after the main thread has
// freed the Status (an UnorderedSignal, invisible to TSan), and the main
// thread waits (the same way) until it has, so the write happens inside
// the run, every run. No detector outside the sanitizers can see a write
// to freed memory honestly, so `default` says the case needs TSan.
#include <stop_token>
#include <thread>

#include "absl/status/status.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/window.h"

namespace racelab::cases::daemon_thread {
namespace {

// The counter sits past the first 16 bytes, where glibc keeps its free-list
// links in a freed chunk: in builds without a sanitizer the late write must
// not corrupt the heap and turn the case into a lottery of crashes.
struct Status {
  char name[32] = "heartbeat";
  long heartbeats = 0;
};

// The heartbeat thread, tied to the Status it updates: two ways with one
// shape (Start while the owner has the status, Release just before the
// owner destroys it, AfterDestroy once it has), so the diff between them is
// the bug and its fix.

// A detached thread: deliberately wrong (the bug under test).
class DetachedHeartbeat {
 public:
  void Start(Status& status) {
    std::thread([&status, this] {
      ++status.heartbeats;
      freed_.AwaitRaised();
      ++status.heartbeats;  // the owner is gone: use after free
      beat_after_free_.Raise();
    }).detach();
  }
  void Release() {}  // nothing stops a detached thread
  // The late beat happens inside the run, every run.
  void AfterDestroy() {
    freed_.Raise();
    beat_after_free_.AwaitRaised();
  }

 private:
  UnorderedSignal freed_, beat_after_free_;
};

// A std::jthread, stopped through its stop_token and joined first.
class StoppedHeartbeat {
 public:
  void Start(Status& status) {
    thread_ = std::jthread([&status](std::stop_token stop) {
      while (!stop.stop_requested() && status.heartbeats < 3) ++status.heartbeats;
    });
  }
  void Release() {
    thread_.request_stop();
    thread_.join();
  }
  void AfterDestroy() {}

 private:
  std::jthread thread_;
};

template <typename Heartbeat>
Observation OwnerGoesAway() {
  Heartbeat heartbeat;
  auto* status = new Status;
  heartbeat.Start(*status);
  heartbeat.Release();
  delete status;  // the owner is done and cleans up
  heartbeat.AfterDestroy();
  return Observation{"the owner destroyed the status", {0}};
}

const CaseRegistrar kRacy(
    {.pattern = "daemon_thread",
     .variant = "racy",
     .expect = Expect::kBug,
     .title = "a detached thread writes to an object the main thread destroys",
     .bug_kinds = {FindingKind::kDataRace, FindingKind::kUseAfterFree},
     .found_by = {Detector::kTsan, Detector::kAsan},
     .body = OwnerGoesAway<DetachedHeartbeat>});

const CaseRegistrar kJthread(
    {.pattern = "daemon_thread",
     .variant = "jthread",
     .expect = Expect::kClean,
     .title = "a std::jthread stopped through its stop_token and joined first",
     .body = OwnerGoesAway<StoppedHeartbeat>});

}  // namespace
}  // namespace racelab::cases::daemon_thread
