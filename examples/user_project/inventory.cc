// Warehouses and the moves between them (see inventory.h).
#include "inventory.h"

namespace user_project {

void Warehouse::Add(int items) {
  std::lock_guard<std::mutex> lock(mutex_);
  count_ += items;
}

int Warehouse::Count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return count_;
}

void Warehouse::MoveInArgumentOrder(Warehouse& from, Warehouse& to, int items) {
  std::lock_guard<std::mutex> first(from.mutex_);
  std::lock_guard<std::mutex> second(to.mutex_);
  from.count_ -= items;
  to.count_ += items;
}

void Warehouse::Move(Warehouse& from, Warehouse& to, int items) {
  std::scoped_lock both(from.mutex_, to.mutex_);
  from.count_ -= items;
  to.count_ += items;
}

}  // namespace user_project
