// Correct: four threads lock and unlock shared mutexes without pause while
// the main thread forks 200 children. Each child nests two mutexes of its
// own (never the shared ones, which another thread may have held at the
// fork) and exits. A fork can land while another thread is inside racelab's
// checker; no child may hang on a copy of the checker's state. Each child
// must exit within 5 s or the program fails.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr int kForks = 200;
std::mutex shared_locks[8];
std::atomic<bool> stop{false};

void Churn(int seed) {
  unsigned value = static_cast<unsigned>(seed);
  while (!stop.load(std::memory_order_relaxed)) {
    value = value * 1103515245u + 12345u;
    std::mutex& outer = shared_locks[value % 4];
    std::mutex& inner = shared_locks[4 + (value >> 8) % 4];  // always outer then inner
    std::lock_guard<std::mutex> a(outer);
    std::lock_guard<std::mutex> b(inner);
  }
}

bool WaitWithin(pid_t child, std::chrono::seconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < give_up) {
    int status = 0;
    const pid_t reaped = ::waitpid(child, &status, WNOHANG);
    if (reaped == child) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  return false;
}

}  // namespace

int main() {
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back(Churn, i + 1);
  int hung = 0;
  for (int i = 0; i < kForks; ++i) {
    const pid_t child = ::fork();
    if (child < 0) return 2;
    if (child == 0) {
      std::mutex outer, inner;  // new to the checker: its slow path
      std::lock_guard<std::mutex> a(outer);
      std::lock_guard<std::mutex> b(inner);
      ::_exit(0);
    }
    if (!WaitWithin(child, std::chrono::seconds(5))) ++hung;
  }
  stop = true;
  for (std::thread& thread : threads) thread.join();
  if (hung != 0) {
    std::fprintf(stderr, "%d of %d children hung or failed\n", hung, kForks);
    return 1;
  }
  return 0;
}
