// Buggy: an actual AB/BA deadlock. Two threads each take one lock, meet, and
// then ask for the other's: the program hangs every time. Expected finding:
// deadlock (watchdog, from the preload library's wait-for dump) and
// lock-order-inversion (lockorder).
#include <cstdio>
#include <latch>
#include <mutex>
#include <thread>

namespace {

std::mutex accounts_lock;
std::mutex audit_lock;
std::latch both_hold_their_first_lock(2);

void PostTransfer() {
  std::lock_guard<std::mutex> accounts(accounts_lock);
  both_hold_their_first_lock.arrive_and_wait();
  std::lock_guard<std::mutex> audit(audit_lock);
  std::puts("transfer posted");
}

void RunAudit() {
  std::lock_guard<std::mutex> audit(audit_lock);
  both_hold_their_first_lock.arrive_and_wait();
  std::lock_guard<std::mutex> accounts(accounts_lock);
  std::puts("audit done");
}

}  // namespace

int main() {
  std::thread poster(PostTransfer);
  std::thread auditor(RunAudit);
  poster.join();
  auditor.join();
}
