// Buggy: the main thread unlocks a mutex a worker locked (glibc's default
// mutex lets it, silently). Expected finding: mutex-misuse.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex session_lock;

void OpenSession() { session_lock.lock(); }  // hands the lock to "whoever closes"

}  // namespace

int main() {
  std::thread opener(OpenSession);
  opener.join();
  session_lock.unlock();  // bug: not the owner
  std::puts("session closed");
}
