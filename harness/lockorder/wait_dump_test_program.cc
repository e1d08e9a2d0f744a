// A program linked with the lock-order hooks that hangs on purpose, for
// preload_test: a holder thread takes a std::mutex with try_lock, a
// std::shared_mutex exclusively and another shared, then waits on a
// condition variable nobody signals; three more threads block on those
// three locks (the last asking for it exclusively). Once both are asleep
// on a futex (read from /proc, not guessed from a delay), the program asks
// its own hooks for the wait dump (the signal the watchdog sends), prints
// the threads' OS ids, and exits without waiting for the stuck threads.
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

#include "harness/lockorder/wait_dump.h"

namespace {

std::mutex tried;
std::shared_mutex written;
std::shared_mutex read_held;
std::mutex never_mutex;
std::condition_variable never;
std::atomic<long> holder_tid{0}, mutex_waiter_tid{0}, writer_waiter_tid{0}, reader_waiter_tid{0};

long OsTid() { return static_cast<long>(::syscall(SYS_gettid)); }

void Hold() {
  if (!tried.try_lock()) std::_Exit(3);
  written.lock();
  read_held.lock_shared();
  holder_tid = OsTid();
  std::unique_lock lock(never_mutex);
  never.wait(lock, [] { return false; });
}

// True once the thread sleeps in the kernel on a futex.
bool AsleepOnFutex(long tid) {
  const std::string task = "/proc/self/task/" + std::to_string(tid);
  std::ifstream stat(task + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto state_at = line.rfind(')');
  if (state_at == std::string::npos || state_at + 2 >= line.size() || line[state_at + 2] != 'S') {
    return false;
  }
  std::ifstream wchan(task + "/wchan");
  std::string channel;
  std::getline(wchan, channel);
  return channel.find("futex") != std::string::npos;
}

}  // namespace

int main() {
  std::thread(Hold).detach();
  while (holder_tid == 0) std::this_thread::yield();
  std::thread([] {
    mutex_waiter_tid = OsTid();
    tried.lock();
  }).detach();
  std::thread([] {
    writer_waiter_tid = OsTid();
    written.lock();
  }).detach();
  std::thread([] {
    reader_waiter_tid = OsTid();
    read_held.lock();
  }).detach();
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (mutex_waiter_tid == 0 || writer_waiter_tid == 0 || reader_waiter_tid == 0 ||
         !AsleepOnFutex(mutex_waiter_tid) || !AsleepOnFutex(writer_waiter_tid) ||
         !AsleepOnFutex(reader_waiter_tid) || !AsleepOnFutex(holder_tid)) {
    if (std::chrono::steady_clock::now() > give_up) {
      std::puts("the waiting threads never went to sleep");
      std::fflush(stdout);
      std::_Exit(2);
    }
    std::this_thread::yield();
  }
  ::raise(racelab::lockorder::WaitDumpSignal());  // the handler runs before raise returns
  std::printf("holder %ld mutex_waiter %ld writer_waiter %ld reader_waiter %ld\n",
              holder_tid.load(), mutex_waiter_tid.load(), writer_waiter_tid.load(),
              reader_waiter_tid.load());
  std::fflush(stdout);
  std::_Exit(0);
}
