// Correct: a producer hands 500 items to a consumer through a queue guarded
// by a mutex, with condition-variable waits on predicates in both
// directions. A checker that treats a wait as holding its mutex invents
// lock orders (and a naive watchdog may think a waiting thread is stuck).
// Expected: clean.
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

namespace {

constexpr int kItems = 500;
constexpr size_t kCapacity = 4;

std::mutex queue_lock;
std::condition_variable not_empty, not_full;
std::deque<int> queue;

void Produce() {
  for (int i = 1; i <= kItems; ++i) {
    std::unique_lock<std::mutex> lock(queue_lock);
    not_full.wait(lock, [] { return queue.size() < kCapacity; });
    queue.push_back(i);
    not_empty.notify_one();
  }
}

long Consume() {
  long sum = 0;
  for (int received = 0; received < kItems; ++received) {
    std::unique_lock<std::mutex> lock(queue_lock);
    not_empty.wait(lock, [] { return !queue.empty(); });
    sum += queue.front();
    queue.pop_front();
    not_full.notify_one();
  }
  return sum;
}

}  // namespace

int main() {
  long sum = 0;
  std::thread consumer([&] { sum = Consume(); });
  std::thread producer(Produce);
  producer.join();
  consumer.join();
  std::printf("sum: %ld\n", sum);
  return sum == static_cast<long>(kItems) * (kItems + 1) / 2 ? 0 : 1;
}
