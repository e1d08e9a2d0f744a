// Buggy: a worker returns early on an error path without unlocking the
// journal lock, and ends holding it; later writers could never take it
// (main only tries, so the program ends). Expected finding: mutex-misuse
// (exit-holding), naming where the worker took the lock.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex journal_lock;

void AppendEntry(bool disk_full) {
  journal_lock.lock();
  if (disk_full) return;  // bug: the lock stays held
  journal_lock.unlock();
}

}  // namespace

int main() {
  std::thread writer(AppendEntry, true);
  writer.join();
  const bool free = journal_lock.try_lock();
  std::printf("journal lock %s\n", free ? "free" : "held by a thread that is gone");
}
