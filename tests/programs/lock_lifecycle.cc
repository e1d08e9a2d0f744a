// Correct: the twin of destroy_locked, use_after_destroy and exit_holding.
// Locks are destroyed only when free, initialised again before reuse, and
// every thread lets go of what it took before it ends. Expected: clean.
#include <pthread.h>

#include <cstdio>
#include <mutex>
#include <thread>

namespace {

pthread_mutex_t queue_lock;
pthread_rwlock_t data_lock;
std::mutex journal_lock;
int queued = 0;

void Worker() {
  pthread_mutex_lock(&queue_lock);
  pthread_rwlock_rdlock(&data_lock);
  ++queued;
  pthread_rwlock_unlock(&data_lock);
  pthread_mutex_unlock(&queue_lock);
  std::lock_guard<std::mutex> journal(journal_lock);
}

}  // namespace

int main() {
  for (int round = 0; round < 2; ++round) {  // destroyed, then initialised again
    pthread_mutex_init(&queue_lock, nullptr);
    pthread_rwlock_init(&data_lock, nullptr);
    std::thread worker(Worker);
    worker.join();
    pthread_rwlock_destroy(&data_lock);
    pthread_mutex_destroy(&queue_lock);
  }
  std::printf("%d queued\n", queued);
}
