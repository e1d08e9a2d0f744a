// Buggy: a rate limiter hands back more permits than its semaphore can
// count: sem_post on a semaphore at SEM_VALUE_MAX fails with EOVERFLOW and
// the permit is lost (the caller ignores the error). Expected finding:
// mutex-misuse (post-overflow) with the post's line.
#include <semaphore.h>

#include <climits>
#include <cstdio>

namespace {

sem_t permits;

void ReturnPermit() { sem_post(&permits); }

}  // namespace

int main() {
  sem_init(&permits, 0, SEM_VALUE_MAX);
  ReturnPermit();
  int value = 0;
  sem_getvalue(&permits, &value);
  std::printf("%d permits\n", value);
  sem_destroy(&permits);
}
