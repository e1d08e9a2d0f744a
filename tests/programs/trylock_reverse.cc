// Correct, though a naive lock-order checker flags it: one thread takes A
// then B, the other takes B and only *tries* A, backing off when it is
// taken. A try-lock cannot wait, so there is no deadlock. Expected: clean.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex left_fork;
std::mutex right_fork;
int meals = 0;

void EatLeftFirst() {
  for (int i = 0; i < 200; ++i) {
    std::scoped_lock<std::mutex> left(left_fork);
    std::scoped_lock<std::mutex> right(right_fork);
    ++meals;
  }
}

void EatRightFirstPolitely() {
  for (int eaten = 0; eaten < 200;) {
    std::unique_lock<std::mutex> right(right_fork);
    std::unique_lock<std::mutex> left(left_fork, std::try_to_lock);
    if (!left.owns_lock()) continue;  // back off: put the right fork down
    ++meals;
    ++eaten;
  }
}

}  // namespace

int main() {
  std::thread a(EatLeftFirst);
  std::thread b(EatRightFirstPolitely);
  a.join();
  b.join();
  std::printf("meals: %d\n", meals);
  return meals == 400 ? 0 : 1;
}
