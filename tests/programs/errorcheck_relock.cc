// Buggy, but no deadlock: relocks an error-checking mutex it holds. glibc
// refuses with EDEADLK and the program goes on (as many do, ignoring the
// result). That is a mutex misuse, not a self-deadlock: nothing waits.
// Expected finding: mutex-misuse (and no self-deadlock).
#include <pthread.h>

#include <cerrno>
#include <cstdio>

int main() {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_t table_lock;
  pthread_mutex_init(&table_lock, &attributes);
  pthread_mutex_lock(&table_lock);
  const int relocked = pthread_mutex_lock(&table_lock);  // a helper that forgot the caller locks
  std::printf("relock: %s\n", relocked == EDEADLK ? "EDEADLK" : "?");
  pthread_mutex_unlock(&table_lock);
  pthread_mutex_destroy(&table_lock);
  pthread_mutexattr_destroy(&attributes);
  return relocked == EDEADLK ? 0 : 1;
}
