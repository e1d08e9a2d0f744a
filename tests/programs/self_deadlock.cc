// Buggy: a function that holds a non-recursive mutex calls another that
// takes it again: the thread waits for itself forever. Expected finding:
// self-deadlock (lockorder, recorded before the thread blocks).
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace {

std::mutex cache_lock;
std::vector<int> cache;

void Log(const char* what) {
  std::lock_guard<std::mutex> lock(cache_lock);  // bug: the caller holds it
  std::printf("%s (%zu entries)\n", what, cache.size());
}

void Insert(int value) {
  std::lock_guard<std::mutex> lock(cache_lock);
  cache.push_back(value);
  Log("inserted");
}

}  // namespace

int main() {
  std::thread writer(Insert, 7);
  writer.join();
}
