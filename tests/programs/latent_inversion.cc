// Buggy: a potential deadlock that never hangs here. One thread takes A then
// B and finishes before the other takes B then A, so no run ever waits; the
// two orders are still a deadlock waiting for a different schedule.
// Expected finding: lock-order-inversion.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex inventory_lock;
std::mutex orders_lock;

void ReserveStock() {
  std::lock_guard<std::mutex> inventory(inventory_lock);
  std::lock_guard<std::mutex> orders(orders_lock);
  std::puts("stock reserved");
}

void CancelOrder() {
  std::lock_guard<std::mutex> orders(orders_lock);
  std::lock_guard<std::mutex> inventory(inventory_lock);
  std::puts("order cancelled");
}

}  // namespace

int main() {
  std::thread reserve(ReserveStock);
  reserve.join();  // strictly before the other order: this run cannot hang
  std::thread cancel(CancelOrder);
  cancel.join();
}
