// A program that knows nothing of racelab, for preload_test: two threads
// that never overlap take two std::mutexes in opposite orders (a latent
// AB/BA deadlock), and a condition-variable hand-off that is correct.
#include <condition_variable>
#include <mutex>
#include <thread>

namespace {

std::mutex first_mutex;
std::mutex second_mutex;

void FirstThenSecond() {
  std::lock_guard first(first_mutex);
  std::lock_guard second(second_mutex);
}

void SecondThenFirst() {
  std::lock_guard second(second_mutex);
  std::lock_guard first(first_mutex);
}

void HandOff() {
  std::mutex mutex;
  std::condition_variable changed;
  bool ready = false;
  std::thread producer([&] {
    std::lock_guard lock(mutex);
    ready = true;
    changed.notify_one();
  });
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return ready; });
  }
  producer.join();
}

}  // namespace

int main() {
  std::thread(FirstThenSecond).join();
  std::thread(SecondThenFirst).join();
  HandOff();
  return 0;
}
