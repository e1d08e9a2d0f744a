// Correct, though a lockset-based race detector (one that only counts
// locks) flags it: a plain payload is published by a release store and read
// after an acquire load of a flag, so the write happens before the read.
// Expected: clean.
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

namespace {

std::string payload;  // plain memory, no lock
std::atomic<bool> published{false};

}  // namespace

int main() {
  std::thread reader([] {
    while (!published.load(std::memory_order_acquire)) std::this_thread::yield();
    std::printf("read: %s\n", payload.c_str());
  });
  payload = "configuration v2";
  published.store(true, std::memory_order_release);
  reader.join();
}
