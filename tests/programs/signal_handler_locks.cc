// Correct: a signal handler takes locks while its thread waits inside a lock
// call. The main thread blocks in lock(state_lock), which a worker holds; a
// SIGUSR1 sent to it then runs a handler that takes `stats_lock` and then
// `state_lock` itself (waiting until the worker lets it go), and releases
// both. The main thread did not hold state_lock at any point of this: no
// relock and no order state_lock -> stats_lock. The worker later takes
// stats_lock then state_lock, the other order, which is fine since the
// main thread never held state_lock while taking stats_lock. Each step
// waits for the previous one by state (flags, /proc), never by sleeping
// and hoping. Built without a sanitizer in every preset: ThreadSanitizer
// defers a handler until the interrupted lock call returns. Expected: no finding (a checker that
// counts the lock the main thread only waits for as held reports a self-deadlock and an inversion).
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace {

pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
std::atomic<bool> main_about_to_lock{false};
std::atomic<bool> handler_waiting{false};
std::atomic<bool> handler_done{false};

void Sample(int) {
  pthread_mutex_lock(&stats_lock);
  handler_waiting.store(true);
  pthread_mutex_lock(&state_lock);  // the worker holds it until it sees handler_waiting
  pthread_mutex_unlock(&state_lock);
  pthread_mutex_unlock(&stats_lock);
  handler_done.store(true);
}

// Whether thread `tid` of this process is asleep (state S: in the futex).
bool Sleeping(pid_t tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t name_end = stat.rfind(')');
  return name_end != std::string::npos && name_end + 2 < stat.size() && stat[name_end + 2] == 'S';
}

void Spin(int rounds = 1) {
  for (int i = 0; i < rounds; ++i) std::this_thread::yield();
}

}  // namespace

int main() {
  struct sigaction action {};
  action.sa_handler = Sample;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(SIGUSR1, &action, nullptr);
  const pid_t main_tid = static_cast<pid_t>(syscall(SYS_gettid));
  const pthread_t main_thread = pthread_self();

  std::atomic<bool> worker_holds{false};
  std::thread worker([&] {
    pthread_mutex_lock(&state_lock);
    worker_holds.store(true);
    while (!main_about_to_lock.load()) Spin();
    while (!Sleeping(main_tid)) Spin();  // main is blocked inside lock(state_lock)
    pthread_kill(main_thread, SIGUSR1);
    while (!handler_waiting.load()) Spin();
    while (!Sleeping(main_tid)) Spin();  // the handler is blocked on state_lock
    pthread_mutex_unlock(&state_lock);
    while (!handler_done.load()) Spin();
    // The other order, from a thread that really holds the first lock.
    pthread_mutex_lock(&stats_lock);
    pthread_mutex_lock(&state_lock);
    pthread_mutex_unlock(&state_lock);
    pthread_mutex_unlock(&stats_lock);
  });
  while (!worker_holds.load()) Spin();
  main_about_to_lock.store(true);
  pthread_mutex_lock(&state_lock);
  pthread_mutex_unlock(&state_lock);
  worker.join();
  std::printf("handler ran inside the main thread's lock call: %s\n",
              handler_done.load() ? "yes" : "no");
  return handler_done.load() ? 0 : 1;
}
