// Buggy three times over, through one lock wrapper: three pairs of
// threads each take two of six locks in opposite orders, every lock taken
// through Mutex::Lock. The threads run one after another, so nothing hangs.
// Expected: three lock-order inversions, each naming its own functions'
// lines (PostTransfer/RunAudit, FillCache/FlushDisk, Reindex/Replay), none
// the wrapper's.
#include <pthread.h>

#include <cstdio>
#include <thread>

namespace {

class Mutex {
 public:
  __attribute__((noinline)) void Lock() { pthread_mutex_lock(&mutex_); }
  __attribute__((noinline)) void Unlock() { pthread_mutex_unlock(&mutex_); }

 private:
  pthread_mutex_t mutex_ = PTHREAD_MUTEX_INITIALIZER;
};

Mutex accounts, audit, cache, disk, index, journal;

void PostTransfer() {
  accounts.Lock();
  audit.Lock();
  audit.Unlock();
  accounts.Unlock();
}

void RunAudit() {
  audit.Lock();
  accounts.Lock();
  accounts.Unlock();
  audit.Unlock();
}

void FillCache() {
  cache.Lock();
  disk.Lock();
  disk.Unlock();
  cache.Unlock();
}

void FlushDisk() {
  disk.Lock();
  cache.Lock();
  cache.Unlock();
  disk.Unlock();
}

void Reindex() {
  index.Lock();
  journal.Lock();
  journal.Unlock();
  index.Unlock();
}

void Replay() {
  journal.Lock();
  index.Lock();
  index.Unlock();
  journal.Unlock();
}

}  // namespace

int main() {
  for (void (*work)() : {PostTransfer, RunAudit, FillCache, FlushDisk, Reindex, Replay}) {
    std::thread thread(work);
    thread.join();
  }
  std::puts("done");
}
