// A program that knows nothing of racelab, for preload_test: two threads
// that never overlap take two std::mutexes in opposite orders (a latent
// AB/BA deadlock), a condition-variable hand-off that is correct, and two
// mutex pairs that live one after the other in the same heap block, taken
// in opposite orders (different locks at reused addresses: no cycle).
// Prints whether the heap block really was reused.
// With an argument (_exit, quick_exit, exec, abort, sigkill or clone-exec)
// it only takes the two mutexes in one order, once, and ends that way: the
// records must be in the file all the same. With `heap-growth` it takes
// 2,000 heap mutex pairs in chains and prints how much of the allocator's
// heap was in use after that beyond before (the program's own blocks all
// come before), or that its allocator does not say.
#include <malloc.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
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

struct MutexPair {
  std::mutex first;
  std::mutex second;
};

// Returns whether the second pair got the first one's block (glibc's and
// the sanitizers' per-thread caches hand a just-freed chunk back first).
bool ReuseOneHeapBlock() {
  auto* old_pair = new MutexPair;
  {
    std::lock_guard first(old_pair->first);
    std::lock_guard second(old_pair->second);
  }
  const auto old_address = reinterpret_cast<std::uintptr_t>(old_pair);
  delete old_pair;
  auto* new_pair = new MutexPair;
  const bool reused = reinterpret_cast<std::uintptr_t>(new_pair) == old_address;
  {
    std::lock_guard second(new_pair->second);
    std::lock_guard first(new_pair->first);
  }
  delete new_pair;
  return reused;
}

// The allocator's bytes in use; -1 when it does not count them (a
// sanitizer's allocator answers mallinfo2 with zeros).
long HeapInUse() {
  const long before = static_cast<long>(mallinfo2().uordblks);
  void* probe = std::malloc(1 << 16);
  const long with_probe = static_cast<long>(mallinfo2().uordblks);
  std::free(probe);
  return with_probe - before >= (1 << 16) ? before : -1;
}

// Every lock the checker learns of after the first measure is in chains
// of two: locks, edges, held sets, graph nodes and sites for it to keep.
void PrintHeapGrowth() {
  constexpr int kPairs = 2000;
  auto* pairs = new MutexPair[kPairs];
  std::thread(FirstThenSecond).join();  // the checker starts before the measure
  const long before = HeapInUse();
  for (int i = 0; i < kPairs; ++i) {
    std::lock_guard first(pairs[i].first);
    std::lock_guard second(pairs[i].second);
  }
  const long after = HeapInUse();
  delete[] pairs;
  if (before < 0 || after < 0) {
    std::printf("heap growth: not counted by this allocator\n");
  } else {
    std::printf("heap growth: %ld bytes\n", after - before);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "heap-growth") {
    PrintHeapGrowth();
    return 0;
  }
  if (argc > 1) {
    std::thread(FirstThenSecond).join();
    const std::string ending = argv[1];
    if (ending == "_exit") _exit(0);
    if (ending == "quick_exit") std::quick_exit(0);
    if (ending == "exec") execl("/bin/true", "true", static_cast<char*>(nullptr));
    if (ending == "abort") std::abort();
    if (ending == "sigkill") ::raise(SIGKILL);  // no handler, no flush point: the records survive
    if (ending == "clone-exec") {
      // A child made without fork's handlers, as a sanitizer starts its
      // symbolizer: it must not write the parent's kept-back records.
      const long child = ::syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
      if (child == 0) {
        execl("/bin/true", "true", static_cast<char*>(nullptr));
        ::syscall(SYS_exit_group, 3);
      }
      int status = 0;
      ::waitpid(static_cast<pid_t>(child), &status, 0);
      _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 4);
    }
    return 2;
  }
  std::thread(FirstThenSecond).join();
  std::thread(SecondThenFirst).join();
  HandOff();
  std::printf("heap block reused: %s\n", ReuseOneHeapBlock() ? "yes" : "no");
  return 0;
}
