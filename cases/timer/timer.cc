// cases/timer — a timer that can be cancelled (threading.Timer). A timer
// thread waits for its deadline and then runs a callback that updates a
// Display. In `racy` cancel() just sets a plain `cancelled` flag, and the
// owner tears the Display down right after: the timer thread, which
// checked the flag a moment earlier, runs the callback on a destroyed
// Display (a data race on the flag and a use after free). In
// `locked_join` the callback runs under the timer's mutex after checking
// the flag there, cancel() sets the flag under the same mutex and joins
// the timer thread, and only then is the Display destroyed.
//
// Schedule: in `racy` the timer checks the flag before the owner cancels,
// then waits until the owner has cancelled and destroyed the Display
// (UnorderedSignals, invisible to TSan), every run; the owner waits the same way until the
// callback has run, so it happens inside the run. Outside the sanitizers
// nothing can see it honestly: `default` says the case needs TSan.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/window.h"

namespace racelab::cases::timer {
namespace {

// `ticks` sits past the first 16 bytes, where glibc keeps its free-list
// links in a freed chunk: without a sanitizer the late write must not
// corrupt the heap.
struct Display {
  char title[32] = "clock";
  int ticks = 0;
};

// Deliberately unsynchronised (the bug under test).
class RacyTimer {
 public:
  explicit RacyTimer(Display* display) : display_(display) {}
  void Start() {
    thread_ = std::thread([this] {
      const bool fire = !cancelled_;  // the deadline has passed: not cancelled, so fire
      deadline_passed_.Raise();
      if (fire) {
        torn_down_.AwaitRaised();  // ...but the owner cancels right now
        ++display_->ticks;         // the callback, on a destroyed Display
      }
      fired_.Raise();
    });
    thread_.detach();                // the tutorial's Timer is fire-and-forget
    deadline_passed_.AwaitRaised();  // forced: the deadline passes before cancel()
  }
  void Cancel() { cancelled_ = true; }
  void AfterTearDown() {
    torn_down_.Raise();
    fired_.AwaitRaised();
  }

 private:
  Display* display_;
  bool cancelled_ = false;
  std::thread thread_;
  UnorderedSignal deadline_passed_, torn_down_, fired_;
};

class LockedJoinTimer {
 public:
  explicit LockedJoinTimer(Display* display) : display_(display) {}
  void Start() {
    thread_ = std::thread([this] {
      std::unique_lock lock(mutex_);
      // The deadline: cancel() may come first, or not; either way is fine.
      changed_.wait_for(lock, std::chrono::milliseconds(1), [this] { return cancelled_; });
      if (!cancelled_) ++display_->ticks;
    });
  }
  void Cancel() {
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  void AfterTearDown() {}

 private:
  Display* display_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool cancelled_ = false;  // guarded by mutex_
  std::thread thread_;
};

template <typename Timer>
Observation CancelThenTearDown() {
  auto* display = new Display;
  auto timer = std::make_unique<Timer>(display);
  timer->Start();
  timer->Cancel();
  delete display;  // cancelled, so nothing should touch it any more
  timer->AfterTearDown();
  return Observation{"cancelled, then the display was destroyed", {0}};
}

const CaseRegistrar kRacy(
    {.pattern = "timer",
     .variant = "racy",
     .expect = Expect::kBug,
     .title = "cancel() sets a plain flag; the callback touches state already torn down",
     .bug_kinds = {FindingKind::kDataRace, FindingKind::kUseAfterFree},
     .found_by = {Detector::kTsan, Detector::kAsan},
     .body = CancelThenTearDown<RacyTimer>});

const CaseRegistrar kLockedJoin(
    {.pattern = "timer",
     .variant = "locked_join",
     .expect = Expect::kClean,
     .title = "cancel under the timer's lock, then join, then tear down",
     .body = CancelThenTearDown<LockedJoinTimer>});

}  // namespace
}  // namespace racelab::cases::timer
