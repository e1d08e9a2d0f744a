// Correct: the twin of destroy_locked, use_after_destroy, exit_holding,
// cond_two_mutexes, cond_destroy_waited, cond_reinit_waited,
// semaphore_overflow, semaphore_destroy_waited, barrier_destroy_waited and
// barrier_reinit_waited. Locks are destroyed only when free, initialised
// again before reuse, and every thread lets go of what it took before it
// ends; two threads wait on one condition variable with one mutex, and it
// is destroyed right after the broadcast that woke them (allowed: no thread
// blocks on it any more, even if one has not returned yet); a semaphore is
// posted within its range and destroyed once its waiter got through; a
// condition variable is initialised again once destroyed; a two-thread
// barrier makes three rounds and is destroyed once its other thread is
// joined (glibc allows it right after the last wait returns, while the
// other thread may still be leaving it, but ThreadSanitizer takes that
// destroy for a race with the leaving), then initialised again and
// destroyed; a barrier initialised in memory whose earlier use left words
// that read like a waiting thread (stack leftovers, a reused heap block) is
// no barrier with a waiter; threads end once each, in every way (joined,
// detached by their creator at once, detached by themselves, created
// detached), enough of them that glibc hands their handles out again.
// Expected: clean.
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>

#include <cstdio>
#include <mutex>
#include <thread>

namespace {

pthread_mutex_t queue_lock;
pthread_rwlock_t data_lock;
std::mutex journal_lock;
int queued = 0;

pthread_cond_t batch_ready;
pthread_mutex_t batch_lock = PTHREAD_MUTEX_INITIALIZER;
int waiting = 0;
bool batch = false;

void Worker() {
  pthread_mutex_lock(&queue_lock);
  pthread_rwlock_rdlock(&data_lock);
  ++queued;
  pthread_rwlock_unlock(&data_lock);
  pthread_mutex_unlock(&queue_lock);
  std::lock_guard<std::mutex> journal(journal_lock);
}

void* AwaitBatch(void*) {
  pthread_mutex_lock(&batch_lock);
  ++waiting;
  while (!batch) pthread_cond_wait(&batch_ready, &batch_lock);
  pthread_mutex_unlock(&batch_lock);
  return nullptr;
}

// Two threads wait for the batch with one mutex; the condition variable is
// destroyed once both are woken.
void BroadcastThenDestroy() {
  pthread_cond_init(&batch_ready, nullptr);
  pthread_t waiters[2];
  for (pthread_t& waiter : waiters) pthread_create(&waiter, nullptr, AwaitBatch, nullptr);
  for (bool both = false; !both;) {
    pthread_mutex_lock(&batch_lock);
    both = waiting == 2;  // both wait: each gave the mutex up in its wait
    if (both) {
      batch = true;
      pthread_cond_broadcast(&batch_ready);
    }
    pthread_mutex_unlock(&batch_lock);
    if (!both) sched_yield();
  }
  pthread_cond_destroy(&batch_ready);
  for (pthread_t waiter : waiters) pthread_join(waiter, nullptr);
  pthread_cond_init(&batch_ready, nullptr);  // no thread waits: a new life
  pthread_cond_destroy(&batch_ready);
}

constexpr int kRounds = 3;

void* MakeRounds(void* barrier) {
  for (int round = 0; round < kRounds; ++round) {
    pthread_barrier_wait(static_cast<pthread_barrier_t*>(barrier));
  }
  return nullptr;
}

void BarrierRoundsThenDestroy() {
  pthread_barrier_t rounds;
  pthread_barrier_init(&rounds, nullptr, 2);
  pthread_t partner;
  pthread_create(&partner, nullptr, MakeRounds, &rounds);
  MakeRounds(&rounds);
  pthread_join(partner, nullptr);
  pthread_barrier_destroy(&rounds);
  pthread_barrier_init(&rounds, nullptr, 2);
  pthread_barrier_destroy(&rounds);
}

void BarrierInReusedMemory() {
  union {
    pthread_barrier_t barrier;
    unsigned int words[2];
  } memory;
  memory.words[0] = 2;  // what an earlier use left: in glibc's layout, a
  memory.words[1] = 1;  // thread entered past the round it may leave
  pthread_barrier_init(&memory.barrier, nullptr, 1);
  pthread_barrier_wait(&memory.barrier);
  pthread_barrier_destroy(&memory.barrier);
}

void* Nothing(void*) { return nullptr; }

void* DetachSelf(void*) {
  pthread_detach(pthread_self());
  return nullptr;
}

void EveryThreadEndedOnce() {
  pthread_attr_t detached;
  pthread_attr_init(&detached);
  pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
  for (int i = 0; i < 50; ++i) {
    pthread_t thread;
    pthread_create(&thread, nullptr, Nothing, nullptr);
    pthread_join(thread, nullptr);
    pthread_create(&thread, nullptr, Nothing, nullptr);
    pthread_detach(thread);
    pthread_create(&thread, nullptr, DetachSelf, nullptr);
    pthread_create(&thread, &detached, Nothing, nullptr);
  }
  pthread_attr_destroy(&detached);
}

void* TakePermit(void* permits) {
  sem_wait(static_cast<sem_t*>(permits));
  return nullptr;
}

void PostThenDestroy() {
  sem_t permits;
  sem_init(&permits, 0, 0);
  pthread_t taker;
  pthread_create(&taker, nullptr, TakePermit, &permits);
  sem_post(&permits);
  pthread_join(taker, nullptr);
  sem_destroy(&permits);
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
  BroadcastThenDestroy();
  PostThenDestroy();
  BarrierRoundsThenDestroy();
  BarrierInReusedMemory();
  EveryThreadEndedOnce();
  std::printf("%d queued\n", queued);
}
