// Windows: the moment inside a case body between two steps that must not be
// interleaved (read and write back, first lock and second lock). A racy
// variant passes a window that *forces* the bad interleaving, so its bug
// shows in every run instead of when the scheduler happens to cooperate; a
// correct variant passes one that forces nothing. Same body, different
// window: the variants keep one shape.
//
// Thread-compatible: each thread uses its own Window object; the latch a
// Rendezvous waits on is what the threads share.
#ifndef RACELAB_HARNESS_CATALOG_WINDOW_H_
#define RACELAB_HARNESS_CATALOG_WINDOW_H_

#include <chrono>
#include <latch>
#include <thread>

namespace racelab {

class Window {
 public:
  virtual ~Window() = default;
  virtual void Pass() = 0;
};

// The first Pass() waits until every thread sharing `everyone` has reached
// its own window; later passes go straight through. For racy variants.
class Rendezvous final : public Window {
 public:
  explicit Rendezvous(std::latch& everyone) : everyone_(everyone) {}
  void Pass() override {
    if (passed_) return;
    passed_ = true;
    everyone_.arrive_and_wait();
  }

 private:
  std::latch& everyone_;
  bool passed_ = false;
};

// Lets other threads run (a yield), forcing nothing: the worst case a
// correct variant must survive. The latch is unused; it keeps the shape.
class Yield final : public Window {
 public:
  explicit Yield(std::latch&) {}
  void Pass() override { std::this_thread::yield(); }
};

// A fixed pause, as the tutorials' `time.sleep`. Not synchronisation: a
// correct variant may pass it only where the outcome does not depend on it.
class Pause final : public Window {
 public:
  explicit Pause(std::latch&) {}
  void Pass() override { std::this_thread::sleep_for(std::chrono::milliseconds(1)); }
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_CATALOG_WINDOW_H_
