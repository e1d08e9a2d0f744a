// Buggy: an unlocked counter shared by two threads. The program sends its
// own stderr to /dev/null first, as some daemons do: ThreadSanitizer's report
// must still reach racelab. Expected finding: data-race (needs a
// ThreadSanitizer build).
#include <cstdio>
#include <thread>

namespace {

long page_views = 0;

void CountViews() {
  for (int i = 0; i < 1000; ++i) ++page_views;
}

}  // namespace

int main() {
  if (std::freopen("/dev/null", "w", stderr) == nullptr) return 3;
  std::thread first(CountViews);
  std::thread second(CountViews);
  first.join();
  second.join();
  std::printf("page views: %ld\n", page_views);
}
