// Buggy: a cache entry is torn down while a reader still holds its lock:
// pthread_mutex_destroy on a locked mutex (undefined; glibc refuses with
// EBUSY and the teardown goes on regardless) and pthread_rwlock_destroy on
// a read-locked rwlock. Expected finding: mutex-misuse (destroy-locked),
// twice.
#include <pthread.h>

#include <cstdio>
#include <latch>
#include <thread>

namespace {

struct Entry {
  pthread_mutex_t lock;
  pthread_rwlock_t data_lock;
};

Entry entry;
std::latch reader_holds(1), torn_down(1);

void Reader() {
  pthread_mutex_lock(&entry.lock);
  pthread_rwlock_rdlock(&entry.data_lock);
  reader_holds.count_down();
  torn_down.wait();
  pthread_rwlock_unlock(&entry.data_lock);
  pthread_mutex_unlock(&entry.lock);
}

}  // namespace

int main() {
  pthread_mutex_init(&entry.lock, nullptr);
  pthread_rwlock_init(&entry.data_lock, nullptr);
  std::thread reader(Reader);
  reader_holds.wait();
  const int mutex_result = pthread_mutex_destroy(&entry.lock);  // bug: the reader holds it
  pthread_rwlock_destroy(&entry.data_lock);                     // bug: read-locked
  torn_down.count_down();
  reader.join();
  std::printf("destroy returned %d\n", mutex_result);
}
