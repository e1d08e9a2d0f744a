// A program for racelab_lockorder_test: the tutorial's transfer(from, to),
// which locks `from` and then `to`, called on two disjoint account pairs,
// one after the other. No two instances ever meet in both orders (no
// cycle), but the order between them is decided by the arguments, which
// the report tool's data-dependent order hint points out.
#include <mutex>
#include <thread>

namespace {

struct Account {
  std::mutex mutex;
  int balance = 100;
};

void Transfer(Account& from, Account& to, int amount) {
  std::lock_guard from_lock(from.mutex);
  std::lock_guard to_lock(to.mutex);
  from.balance -= amount;
  to.balance += amount;
}

}  // namespace

int main() {
  Account a, b, c, d;
  std::thread([&] { Transfer(a, b, 10); }).join();
  std::thread([&] { Transfer(d, c, 10); }).join();
  return a.balance + b.balance + c.balance + d.balance == 400 ? 0 : 1;
}
