// Windows: the moment inside a case body between two steps that must not be
// interleaved (read and write back, first lock and second lock). A racy
// variant passes a window that *forces* the bad interleaving, so its bug
// shows in every run instead of when the scheduler happens to cooperate; a
// correct variant passes one that forces nothing. Same body, different
// window: the variants keep one shape.
//
// UnorderedSignal, at the end, is the one-way counterpart for forcing "this
// thread looks before that one writes" in racy variants.
//
// Thread-compatible: each thread uses its own Window object; the Meeting
// they were made from is what the threads share.
#ifndef RACELAB_HARNESS_CATALOG_WINDOW_H_
#define RACELAB_HARNESS_CATALOG_WINDOW_H_

#include <sched.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>

namespace racelab {

class Window {
 public:
  virtual ~Window() = default;
  virtual void Pass() = 0;
};

// What the windows of one run share: made once per run for `threads`
// threads, then each thread builds its own window from it.
struct Meeting {
  explicit Meeting(int threads) : threads(threads), latch(threads) {}
  const int threads;
  std::latch latch;
  // On its own cache line, like UnorderedSignal's flag (see there).
  alignas(64) std::atomic<int> arrived{0};
};

// The first Pass() waits until every thread of the meeting has reached its
// own window; later passes go straight through. For racy variants.
class Rendezvous final : public Window {
 public:
  explicit Rendezvous(Meeting& meeting) : meeting_(meeting) {}
  void Pass() override {
    if (passed_) return;
    passed_ = true;
    meeting_.latch.arrive_and_wait();
  }

 private:
  Meeting& meeting_;
  bool passed_ = false;
};

// Like Rendezvous, but the meeting is invisible to ThreadSanitizer: threads
// count in and spin on a relaxed atomic, which orders nothing, so accesses
// on either side of the window stay unordered for TSan's happens-before
// (a latch would order the reads before the writes and hide the race). For
// racy variants whose race TSan must still see.
class UnorderedRendezvous final : public Window {
 public:
  explicit UnorderedRendezvous(Meeting& meeting) : meeting_(meeting) {}
  void Pass() override {
    if (passed_) return;
    passed_ = true;
    meeting_.arrived.fetch_add(1, std::memory_order_relaxed);
    // sched_yield straight to libc: no instrumented calls in the loop, so the
    // spin adds few events to ThreadSanitizer's per-thread trace, and the
    // access before the window can still be reported with its stack.
    while (meeting_.arrived.load(std::memory_order_relaxed) < meeting_.threads) ::sched_yield();
  }

 private:
  Meeting& meeting_;
  bool passed_ = false;
};

// A one-way "it has happened" between two threads that ThreadSanitizer
// cannot see: a relaxed flag and a spin. A racy variant uses it to force an
// order (the reader looks before the writer writes) without creating the
// happens-before that would hide the race it demonstrates. Never for
// correct variants.
class UnorderedSignal {
 public:
  void Raise() { raised_.store(true, std::memory_order_relaxed); }
  void AwaitRaised() const {
    while (!raised_.load(std::memory_order_relaxed)) ::sched_yield();
  }

 private:
  // On its own cache line, so never in the 8-byte granule of the data a
  // racy case races on: TSan keeps four shadow cells per granule, and the
  // spinning thread's atomic loads of a flag sharing the granule evicted the
  // other thread's plain access in about one run of four (missing_join/racy
  // missed 7 of 30 runs when the flag sat next to the kettle's bool).
  alignas(64) std::atomic<bool> raised_{false};
};

// Lets other threads run (a yield), forcing nothing: the worst case a
// correct variant must survive. The meeting is unused; it keeps the shape.
class Yield final : public Window {
 public:
  explicit Yield(Meeting&) {}
  void Pass() override { std::this_thread::yield(); }
};

// A fixed pause, as the tutorials' `time.sleep`. Not synchronisation: a
// correct variant may pass it only where the outcome does not depend on it.
class Pause final : public Window {
 public:
  explicit Pause(Meeting&) {}
  void Pass() override { std::this_thread::sleep_for(std::chrono::milliseconds(1)); }
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_CATALOG_WINDOW_H_
