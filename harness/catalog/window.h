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
// Nothing here spins on sched_yield: on a loaded machine each yield can give
// the core away for a whole time slice, and a case that yields a thousand
// times then takes seconds. Waiting threads sleep in the kernel (a futex)
// and are woken by the thread they wait for.
//
// Thread-compatible: each thread uses its own Window object; the Meeting
// they were made from is what the threads share.
#ifndef RACELAB_HARNESS_CATALOG_WINDOW_H_
#define RACELAB_HARNESS_CATALOG_WINDOW_H_

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <latch>
#include <thread>

namespace racelab {

// Raw futex calls on an atomic int: the thread sleeps while the word holds
// `expected`, and is woken by FutexWakeAll. ThreadSanitizer does not
// intercept the system call, so it creates no happens-before (unlike a
// latch or a condition variable): the windows below use it to wait without
// hiding the races they force. syscall(2) itself is not instrumented.
inline void FutexWait(std::atomic<int>& word, int expected) {
  static_assert(sizeof(std::atomic<int>) == sizeof(int), "a futex is one int");
  ::syscall(SYS_futex, reinterpret_cast<int*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr,
            nullptr, 0);
}
inline void FutexWakeAll(std::atomic<int>& word) {
  ::syscall(SYS_futex, reinterpret_cast<int*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr,
            0);
}

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
// count in with a relaxed atomic, which orders nothing, and sleep on it with
// a raw futex, so accesses on either side of the window stay unordered for
// TSan's happens-before (a latch would order the reads before the writes and
// hide the race). For racy variants whose race TSan must still see.
class UnorderedRendezvous final : public Window {
 public:
  explicit UnorderedRendezvous(Meeting& meeting) : meeting_(meeting) {}
  void Pass() override {
    if (passed_) return;
    passed_ = true;
    // No instrumented calls in the loop, so the wait adds few events to
    // ThreadSanitizer's per-thread trace, and the access before the window
    // can still be reported with its stack.
    int arrived = meeting_.arrived.fetch_add(1, std::memory_order_relaxed) + 1;
    if (arrived == meeting_.threads) FutexWakeAll(meeting_.arrived);
    while (arrived < meeting_.threads) {
      FutexWait(meeting_.arrived, arrived);
      arrived = meeting_.arrived.load(std::memory_order_relaxed);
    }
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
  void Raise() {
    raised_.store(1, std::memory_order_relaxed);
    FutexWakeAll(raised_);
  }
  void AwaitRaised() {
    while (raised_.load(std::memory_order_relaxed) == 0) FutexWait(raised_, 0);
  }

 private:
  // On its own cache line, so never in the 8-byte granule of the data a
  // racy case races on: TSan keeps four shadow cells per granule, and the
  // waiting thread's atomic loads of a flag sharing the granule evicted the
  // other thread's plain access in about one run of four (missing_join/racy
  // missed 7 of 30 runs when the flag sat next to the kettle's bool).
  alignas(64) std::atomic<int> raised_{0};
};

// A moment's delay on the CPU (a few hundred pause instructions, about a
// microsecond), forcing nothing: widens the window as a yield does on an
// idle machine, without giving the core away on a loaded one. The worst case
// a correct variant must survive. The meeting is unused; it keeps the shape.
class Spin final : public Window {
 public:
  explicit Spin(Meeting&) {}
  void Pass() override {
    for (int i = 0; i < 256; ++i) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#else
      std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
    }
  }
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
