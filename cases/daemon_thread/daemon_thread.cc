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
#include <memory>
#include <stop_token>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
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

// Deliberately wrong (the bug under test).
Observation DetachedHeartbeat() {
  auto* status = new Status;
  UnorderedSignal freed, beat_after_free;
  std::thread([status, &freed, &beat_after_free] {
    ++status->heartbeats;
    freed.AwaitRaised();
    ++status->heartbeats;  // the owner is gone: use after free
    beat_after_free.Raise();
  }).detach();
  delete status;  // the main thread is done and cleans up
  freed.Raise();
  beat_after_free.AwaitRaised();
  return Observation{"status destroyed while the heartbeat ran", {0}};
}

Observation JoinedHeartbeat() {
  auto status = std::make_unique<Status>();
  long beats = 0;
  {
    std::jthread heartbeat([&status](std::stop_token stop) {
      while (!stop.stop_requested() && status->heartbeats < 3) ++status->heartbeats;
    });
    heartbeat.request_stop();
  }  // joined here, before the status goes
  beats = status->heartbeats;
  status.reset();
  return Observation{absl::StrCat("heartbeats=", beats), {beats}};
}

const CaseRegistrar kRacy({
    .pattern = "daemon_thread", .variant = "racy", .expect = Expect::kBug,
    .title = "a detached thread writes to an object the main thread destroys",
    .bug_kinds = {FindingKind::kDataRace, FindingKind::kUseAfterFree},
    .found_by = {Detector::kTsan, Detector::kAsan},
    .body = DetachedHeartbeat});

const CaseRegistrar kJthread({
    .pattern = "daemon_thread", .variant = "jthread", .expect = Expect::kClean,
    .title = "a std::jthread stopped through its stop_token and joined first",
    .body = JoinedHeartbeat});

}  // namespace
}  // namespace racelab::cases::daemon_thread
