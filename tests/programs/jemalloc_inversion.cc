// Buggy, linked with jemalloc (Debian's libjemalloc2) as its allocator: a
// latent lock-order inversion on heap mutexes. jemalloc takes locks of its
// own while it initialises and frees its blocks itself; racelab's preload
// library must neither hang it nor hand its blocks to glibc's free.
// Expected finding: lock-order-inversion.
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

int main() {
  auto cache_lock = std::make_unique<std::mutex>();
  auto index_lock = std::make_unique<std::mutex>();
  std::vector<std::string> entries;
  std::thread fill([&] {
    std::lock_guard<std::mutex> cache(*cache_lock);
    std::lock_guard<std::mutex> index(*index_lock);
    for (int i = 0; i < 1000; ++i) entries.push_back(std::to_string(i));
  });
  fill.join();
  std::thread evict([&] {
    std::lock_guard<std::mutex> index(*index_lock);
    std::lock_guard<std::mutex> cache(*cache_lock);
    entries.clear();
    entries.shrink_to_fit();
  });
  evict.join();
  std::printf("done\n");
  return 0;
}
