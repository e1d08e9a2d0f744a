// Buggy: a worker pool's shutdown destroys the queue's mutex, and a late
// submit still locks and unlocks it (undefined; glibc fails both calls
// with EINVAL, so the queue is touched with no lock held). Expected
// finding: mutex-misuse (use-destroyed).
#include <pthread.h>

#include <cstdio>

namespace {

pthread_mutex_t queue_lock;
int queued = 0;

void Submit() {
  pthread_mutex_lock(&queue_lock);  // bug after Shutdown
  ++queued;
  pthread_mutex_unlock(&queue_lock);
}

void Shutdown() { pthread_mutex_destroy(&queue_lock); }

}  // namespace

int main() {
  pthread_mutex_init(&queue_lock, nullptr);
  Submit();
  Shutdown();
  Submit();
  std::printf("%d queued\n", queued);
}
