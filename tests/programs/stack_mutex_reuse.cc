// Correct (if untidy): each step builds a mutex on its stack with
// PTHREAD_MUTEX_INITIALIZER, under a lock the steps share, and leaves it
// locked when the step fails; the next step's mutex is a new one at the same
// address, built without pthread_mutex_init or destroy. glibc's own state
// says it is free, so locking it is no self-deadlock. Expected: clean.
#include <pthread.h>

#include <cstdio>

namespace {

pthread_mutex_t journal_lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) bool Step(int i) {
  pthread_mutex_t step_lock = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&journal_lock);
  pthread_mutex_lock(&step_lock);
  const bool ok = i % 2 == 1;
  if (ok) pthread_mutex_unlock(&step_lock);  // a failed step leaves it locked
  pthread_mutex_unlock(&journal_lock);
  return ok;
}

}  // namespace

int main() {
  int done = 0;
  for (int i = 0; i < 4; ++i) done += Step(i) ? 1 : 0;
  std::printf("%d steps done\n", done);
}
