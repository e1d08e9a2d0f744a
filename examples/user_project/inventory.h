// A small library of the kind a team writes and tests: stock counts kept
// per warehouse, moved between warehouses under each one's mutex. One
// method takes the two mutexes in argument order — a lock-order inversion
// when two moves go opposite ways at once — for racelab to find in the
// tests; the rest is correct.
#ifndef USER_PROJECT_INVENTORY_H_
#define USER_PROJECT_INVENTORY_H_

#include <mutex>

namespace user_project {

class Warehouse {
 public:
  void Add(int items);
  int Count() const;

  // Moves `items` from `from` to `to`, locking `from` first: a thread moving
  // a→b and another moving b→a can deadlock (the bug racelab reports).
  static void MoveInArgumentOrder(Warehouse& from, Warehouse& to, int items);
  // The same, both mutexes taken at once (std::scoped_lock): correct.
  static void Move(Warehouse& from, Warehouse& to, int items);

 private:
  mutable std::mutex mutex_;
  int count_ = 0;
};

}  // namespace user_project

#endif  // USER_PROJECT_INVENTORY_H_
