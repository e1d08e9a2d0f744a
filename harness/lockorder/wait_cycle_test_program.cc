// A program linked with the lock-order hooks that closes (or never closes)
// a wait-for cycle, for preload_test. argv[1] names the scenario:
//   abba       two threads, each holding one mutex, block on the other's
//   three      three threads in a ring A->B->C->A
//   condition  T1 holds M1 and waits on a condition variable with M2; T2
//              takes M2 (released by the wait) and blocks on M1: T1 can
//              never get M2 back, whatever signal comes
//   upgrade    a thread holding a std::shared_mutex shared asks for it
//              exclusively
//   relock     a thread locks a std::mutex it holds
//   join       main holds a mutex and joins a worker that waits for it
//   livelock   two threads hold one timed mutex each and retry the other's
//              with a timeout, for ever
//   backoff    the same, but a failed try gives everything back first: ends
//   busy       four threads lock two mutexes in one order, hand a token
//              through a condition variable, 20000 rounds: contended, no
//              cycle; ends
// The deadlocking scenarios force their schedule with std::latch (futex
// waits the hooks do not see) and then hang; the runner stops them.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <latch>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace {

void Abba() {
  std::mutex a, b;
  std::latch both_hold(2);
  std::thread first([&] {
    std::lock_guard hold(a);
    both_hold.arrive_and_wait();
    std::lock_guard wait(b);
  });
  std::thread second([&] {
    std::lock_guard hold(b);
    both_hold.arrive_and_wait();
    std::lock_guard wait(a);
  });
  first.join();
  second.join();
}

void Three() {
  std::mutex locks[3];
  std::latch all_hold(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      std::lock_guard hold(locks[i]);
      all_hold.arrive_and_wait();
      std::lock_guard wait(locks[(i + 1) % 3]);
    });
  }
  for (std::thread& thread : threads) thread.join();
}

void Condition() {
  std::mutex m1, m2;
  std::condition_variable never;
  std::latch waiting(1);
  std::thread waiter([&] {
    std::lock_guard hold(m1);
    std::unique_lock lock(m2);
    waiting.count_down();
    never.wait(lock, [] { return false; });
  });
  std::thread taker([&] {
    waiting.wait();
    std::lock_guard take(m2);  // once the wait has released it
    std::lock_guard wait(m1);
  });
  waiter.join();
  taker.join();
}

void Upgrade() {
  std::shared_mutex mutex;
  std::shared_lock read(mutex);
  mutex.lock();
}

void Relock() {
  std::mutex mutex;
  std::lock_guard first(mutex);
  mutex.lock();
}

// A system_clock deadline: pthread_mutex_timedlock, which TSan intercepts.
bool TryBriefly(std::timed_mutex& mutex) {
  return mutex.try_lock_until(std::chrono::system_clock::now() + std::chrono::milliseconds(5));
}

void Join() {
  std::mutex mutex;
  std::lock_guard hold(mutex);
  std::thread worker([&] { std::lock_guard wait(mutex); });
  worker.join();
}

template <bool kBackOff>
void Retry() {
  std::timed_mutex ledger[2];
  std::latch both_hold(2);
  std::vector<std::thread> clerks;
  for (int clerk = 0; clerk < 2; ++clerk) {
    clerks.emplace_back([&, clerk] {
      std::timed_mutex& mine = ledger[clerk];
      std::timed_mutex& theirs = ledger[1 - clerk];
      for (bool first_round = true;; first_round = false) {
        mine.lock();
        if (first_round) both_hold.arrive_and_wait();
        bool got = TryBriefly(theirs);
        while (!got && !kBackOff) got = TryBriefly(theirs);  // keeps `mine` meanwhile
        if (got) {
          theirs.unlock();
          mine.unlock();
          return;
        }
        mine.unlock();  // gives everything back, waits a little, starts over
        std::this_thread::sleep_for(std::chrono::milliseconds(1 + 7 * clerk));
      }
    });
  }
  for (std::thread& clerk : clerks) clerk.join();
}

void Busy() {
  std::mutex outer, inner, token_mutex;
  std::condition_variable token_moved;
  int token = 0;
  long sum = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20000; ++round) {
        {
          std::lock_guard first(outer);
          std::lock_guard second(inner);
          ++sum;
        }
        if (round % 100 == 0) {
          std::unique_lock lock(token_mutex);
          token_moved.wait(lock, [&] { return token % 4 == t; });
          ++token;
          token_moved.notify_all();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::printf("sum %ld\n", sum);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const char* scenario = argv[1];
  if (std::strcmp(scenario, "abba") == 0)
    Abba();
  else if (std::strcmp(scenario, "three") == 0)
    Three();
  else if (std::strcmp(scenario, "condition") == 0)
    Condition();
  else if (std::strcmp(scenario, "upgrade") == 0)
    Upgrade();
  else if (std::strcmp(scenario, "relock") == 0)
    Relock();
  else if (std::strcmp(scenario, "join") == 0)
    Join();
  else if (std::strcmp(scenario, "livelock") == 0)
    Retry<false>();
  else if (std::strcmp(scenario, "backoff") == 0)
    Retry<true>();
  else if (std::strcmp(scenario, "busy") == 0)
    Busy();
  else
    return 2;
  std::puts("finished");
  return 0;
}
