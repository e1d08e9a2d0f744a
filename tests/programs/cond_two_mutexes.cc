// Buggy: a shop's two clerks wait for the same "shop open" condition
// variable, each with the mutex of its own counter: two waits of one
// condition variable with two different mutexes at once (POSIX: undefined;
// a signal may then wake a thread whose mutex it never took). Each clerk is
// known to be inside its wait once main can take the clerk's mutex after
// the clerk said it waits (the wait is what gives the mutex up). Expected
// finding: mutex-misuse (wait-two-mutexes), naming both mutexes.
#include <pthread.h>
#include <sched.h>

#include <cstdio>

namespace {

pthread_cond_t shop_open = PTHREAD_COND_INITIALIZER;
struct Counter {
  pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  bool waiting = false;
  bool open = false;
};
Counter orders, invoices;

void* Clerk(void* arg) {
  Counter& counter = *static_cast<Counter*>(arg);
  pthread_mutex_lock(&counter.lock);
  counter.waiting = true;
  while (!counter.open) pthread_cond_wait(&shop_open, &counter.lock);
  pthread_mutex_unlock(&counter.lock);
  return nullptr;
}

// Returns once `counter`'s clerk waits on shop_open.
void AwaitClerk(Counter& counter) {
  for (;;) {
    pthread_mutex_lock(&counter.lock);
    const bool waiting = counter.waiting;
    pthread_mutex_unlock(&counter.lock);
    if (waiting) return;
    sched_yield();
  }
}

void Open(Counter& counter) {
  pthread_mutex_lock(&counter.lock);
  counter.open = true;
  pthread_mutex_unlock(&counter.lock);
}

}  // namespace

int main() {
  pthread_t orders_clerk, invoices_clerk;
  pthread_create(&orders_clerk, nullptr, Clerk, &orders);
  AwaitClerk(orders);
  pthread_create(&invoices_clerk, nullptr, Clerk, &invoices);
  AwaitClerk(invoices);
  Open(orders);
  Open(invoices);
  pthread_cond_broadcast(&shop_open);
  pthread_join(orders_clerk, nullptr);
  pthread_join(invoices_clerk, nullptr);
  std::printf("shop open\n");
}
