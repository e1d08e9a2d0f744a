// Costs of lock-order checking, side by side (run in the `release` preset):
//   RACELAB_LOCKORDER_FILE=/tmp/records build/release/harness/lockorder_benchmark
// (the records then go to a mapped file, as in a run; without it they go
// to /dev/null a line at a time, which only the slow paths notice: a lock
// made under another costs 5.9 us instead of 0.65 us).
// - a std::mutex lock/unlock pair while holding 0, 1 or 4 other locks: raw,
//   and through racelab's hooks and checker (chain already validated);
// - the same below a chain of frame-pointer frames (full site walks);
// - the same for absl::Mutex with Abseil's deadlock detection off and on;
// - std::shared_mutex taken shared, through the hooks off and on;
// - a heap std::mutex's whole life (new, lock, unlock, delete), off and on;
// - a pthread mutex's life (init, lock, unlock, destroy), alone and taken
//   under another lock (a new lock and a new edge each time);
// - two threads contending for one std::mutex, raw and checked;
// - malloc + free with the free() hook idle and watching, also for a block
//   in the page of a lock the checker knows;
// - adding edges to the lock graph as it grows (cycle checks included).
#include <dlfcn.h>
#include <pthread.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <numeric>
#include <random>
#include <shared_mutex>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "benchmark/benchmark.h"
#include "harness/lockorder/framed_lock_loop.h"
#include "harness/lockorder/hooks.h"
#include "harness/lockorder/lock_graph.h"

namespace racelab::lockorder {
namespace {

// glibc's own entry points, found past this binary's hooks: the raw cost.
void BM_PthreadMutex_Unhooked(benchmark::State& state) {
  using MutexCall = int (*)(pthread_mutex_t*);
  auto lock = reinterpret_cast<MutexCall>(dlsym(RTLD_NEXT, "pthread_mutex_lock"));
  auto unlock = reinterpret_cast<MutexCall>(dlsym(RTLD_NEXT, "pthread_mutex_unlock"));
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  for (auto _ : state) {
    lock(&mutex);
    unlock(&mutex);
  }
}
BENCHMARK(BM_PthreadMutex_Unhooked);

// One acquire/release pair of `inner` through the hooks, with checking off
// (the pass-through cost) or on, while holding `depth` std::mutex locks.
template <typename Inner, typename Pair>
void PairUnderHeldLocks(benchmark::State& state, bool checked, Pair pair) {
  SetLockOrderChecking(checked);
  const int depth = static_cast<int>(state.range(0));
  std::vector<std::mutex> outer(static_cast<size_t>(depth));
  Inner inner;
  for (std::mutex& m : outer) m.lock();
  for (auto _ : state) pair(inner);
  for (auto it = outer.rbegin(); it != outer.rend(); ++it) it->unlock();
  SetLockOrderChecking(false);
}

// std::mutex.
void StdMutexPair(benchmark::State& state, bool checked) {
  PairUnderHeldLocks<std::mutex>(state, checked, [](std::mutex& m) {
    m.lock();
    m.unlock();
  });
}
void BM_StdMutex_HooksOff(benchmark::State& state) { StdMutexPair(state, false); }
void BM_StdMutex_Checked(benchmark::State& state) { StdMutexPair(state, true); }
BENCHMARK(BM_StdMutex_HooksOff)->Arg(0)->Arg(1)->Arg(4);
BENCHMARK(BM_StdMutex_Checked)->Arg(0)->Arg(1)->Arg(4);

// The same pair holding one other lock, taken 8 calls down a chain of
// frames with frame pointers: the site walk records all 6 frames, where
// the loops above (built without frame pointers) stop after one or two.
void FramedPair(benchmark::State& state, bool checked) {
  SetLockOrderChecking(checked);
  std::mutex outer, inner;
  outer.lock();
  LockPairsBelowFrames(state, inner, 8);
  outer.unlock();
  SetLockOrderChecking(false);
}
void BM_StdMutexFramed_HooksOff(benchmark::State& state) { FramedPair(state, false); }
void BM_StdMutexFramed_Checked(benchmark::State& state) { FramedPair(state, true); }
BENCHMARK(BM_StdMutexFramed_HooksOff);
BENCHMARK(BM_StdMutexFramed_Checked);

// Holds locks across the timing loop on purpose: not analysable, not a bug.
void AbslMutexPair(benchmark::State& state,
                   absl::OnDeadlockCycle mode) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  absl::SetMutexDeadlockDetectionMode(mode);
  const int depth = static_cast<int>(state.range(0));
  std::vector<absl::Mutex> outer(static_cast<size_t>(depth));
  absl::Mutex inner;
  for (absl::Mutex& m : outer) m.Lock();
  for (auto _ : state) {
    inner.Lock();
    inner.Unlock();
  }
  for (auto it = outer.rbegin(); it != outer.rend(); ++it) it->Unlock();
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}
void BM_AbslMutex_DetectionIgnore(benchmark::State& state) {
  AbslMutexPair(state, absl::OnDeadlockCycle::kIgnore);
}
void BM_AbslMutex_DetectionReport(benchmark::State& state) {
  AbslMutexPair(state, absl::OnDeadlockCycle::kReport);
}
BENCHMARK(BM_AbslMutex_DetectionIgnore)->Arg(0)->Arg(1)->Arg(4);
BENCHMARK(BM_AbslMutex_DetectionReport)->Arg(0)->Arg(1)->Arg(4);

// std::shared_mutex taken shared (pthread_rwlock_rdlock): shared
// acquisitions' own path.
void SharedMutexPair(benchmark::State& state, bool checked) {
  PairUnderHeldLocks<std::shared_mutex>(state, checked, [](std::shared_mutex& m) {
    m.lock_shared();
    m.unlock_shared();
  });
}
void BM_SharedMutexShared_HooksOff(benchmark::State& state) { SharedMutexPair(state, false); }
void BM_SharedMutexShared_Checked(benchmark::State& state) { SharedMutexPair(state, true); }
BENCHMARK(BM_SharedMutexShared_HooksOff)->Arg(0)->Arg(1);
BENCHMARK(BM_SharedMutexShared_Checked)->Arg(0)->Arg(1);

// A lock's whole life on the heap: built, locked and unlocked once, freed
// (a lock per short-lived object). Each one is a new lock to the checker.
void HeapMutexLife(benchmark::State& state, bool checked) {
  SetLockOrderChecking(checked);
  for (auto _ : state) {
    auto mutex = std::make_unique<std::mutex>();
    mutex->lock();
    mutex->unlock();
    benchmark::DoNotOptimize(mutex.get());
  }
  SetLockOrderChecking(false);
}
void BM_HeapMutexLife_HooksOff(benchmark::State& state) { HeapMutexLife(state, false); }
void BM_HeapMutexLife_Checked(benchmark::State& state) { HeapMutexLife(state, true); }
BENCHMARK(BM_HeapMutexLife_HooksOff);
BENCHMARK(BM_HeapMutexLife_Checked);

// Two locks taken one under the other: the checker knows both from then
// on (a lock only ever taken alone stays unknown), so the free() hook's
// filter is not empty.
void MakeKnown(std::mutex& outer, std::mutex& inner) {
  std::lock_guard hold_outer(outer);
  std::lock_guard hold_inner(inner);
}

// malloc + free of a small block that holds no lock, while the checker
// knows locks elsewhere (in static storage): what the free() hook (which
// retires the locks in freed memory) costs every deallocation.
void MallocFree(benchmark::State& state, bool checked) {
  SetLockOrderChecking(checked);
  static std::mutex outer, inner;
  MakeKnown(outer, inner);
  for (auto _ : state) {
    void* block = std::malloc(64);
    benchmark::DoNotOptimize(block);
    std::free(block);
  }
  SetLockOrderChecking(false);
}
void BM_MallocFree_HooksOff(benchmark::State& state) { MallocFree(state, false); }
void BM_MallocFree_Checked(benchmark::State& state) { MallocFree(state, true); }
BENCHMARK(BM_MallocFree_HooksOff);
BENCHMARK(BM_MallocFree_Checked);

// The same for a block in the page of a known lock, beside it: blocks of
// one size allocated in a row lie side by side, one of them holds the
// lock, and malloc hands a block just freed straight back.
void MallocFreeBesideKnownLock(benchmark::State& state, bool checked) {
  SetLockOrderChecking(checked);
  constexpr std::size_t kSize = 64;
  std::vector<void*> blocks;
  for (int i = 0; i < 256; ++i) blocks.push_back(std::malloc(kSize));
  const auto address = [&](std::size_t i) { return reinterpret_cast<std::uintptr_t>(blocks[i]); };
  // Two blocks in one page, the second in a later line than the first.
  std::size_t holder = 0, beside = 0;
  bool found = false;
  for (std::size_t i = 0; i < blocks.size() && !found; ++i) {
    for (std::size_t j = 0; j < blocks.size() && !found; ++j) {
      found = (address(j) >> 12) == (address(i) >> 12) && (address(j) >> 6) > (address(i) >> 6);
      if (found) {
        holder = i;
        beside = j;
      }
    }
  }
  auto* const lock = new (blocks[holder]) std::mutex;
  static std::mutex outer;
  MakeKnown(outer, *lock);
  bool handed_back = false;
  if (found) {
    const std::uintptr_t freed = address(beside);
    std::free(blocks[beside]);
    blocks[beside] = std::malloc(kSize);
    handed_back = address(beside) == freed;
  }
  if (!handed_back) {
    state.SkipWithError("no block beside the lock in its page");
  } else {
    std::free(blocks[beside]);
    for (auto _ : state) {
      void* block = std::malloc(kSize);
      benchmark::DoNotOptimize(block);
      std::free(block);
    }
    blocks[beside] = std::malloc(kSize);
  }
  lock->~mutex();
  for (void* block : blocks) std::free(block);
  SetLockOrderChecking(false);
}
void BM_MallocFreeBesideKnownLock_HooksOff(benchmark::State& state) {
  MallocFreeBesideKnownLock(state, false);
}
void BM_MallocFreeBesideKnownLock_Checked(benchmark::State& state) {
  MallocFreeBesideKnownLock(state, true);
}
BENCHMARK(BM_MallocFreeBesideKnownLock_HooksOff);
BENCHMARK(BM_MallocFreeBesideKnownLock_Checked);

// A pthread mutex's whole life through its own calls (init, lock, unlock,
// destroy), taken alone: lock creation and destruction stay off the
// checker's locks.
void PthreadMutexLife(benchmark::State& state, bool checked) {
  SetLockOrderChecking(checked);
  pthread_mutex_t mutex;
  for (auto _ : state) {
    pthread_mutex_init(&mutex, nullptr);
    pthread_mutex_lock(&mutex);
    pthread_mutex_unlock(&mutex);
    pthread_mutex_destroy(&mutex);
  }
  SetLockOrderChecking(false);
}
void BM_PthreadMutexLife_HooksOff(benchmark::State& state) { PthreadMutexLife(state, false); }
void BM_PthreadMutexLife_Checked(benchmark::State& state) { PthreadMutexLife(state, true); }
BENCHMARK(BM_PthreadMutexLife_HooksOff);
BENCHMARK(BM_PthreadMutexLife_Checked);

// The same life for a lock taken under another: each one is a new lock
// with a new edge into it (the checker's slow path: the lock created in
// its shard, the edge added to the graph and recorded under the checker's
// lock, both taken out again at its destruction). What lock_churn_stress
// does 800,000 times.
void KnownMutexLife(benchmark::State& state, bool checked) {
  SetLockOrderChecking(checked);
  static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_t mutex;
  for (auto _ : state) {
    pthread_mutex_init(&mutex, nullptr);
    pthread_mutex_lock(&outer);
    pthread_mutex_lock(&mutex);
    pthread_mutex_unlock(&mutex);
    pthread_mutex_unlock(&outer);
    pthread_mutex_destroy(&mutex);
  }
  SetLockOrderChecking(false);
}
void BM_KnownMutexLife_HooksOff(benchmark::State& state) { KnownMutexLife(state, false); }
void BM_KnownMutexLife_Checked(benchmark::State& state) { KnownMutexLife(state, true); }
BENCHMARK(BM_KnownMutexLife_HooksOff);
BENCHMARK(BM_KnownMutexLife_Checked);

std::mutex contended;
void ContendedPair(benchmark::State& state, bool checked) {
  if (state.thread_index() == 0) SetLockOrderChecking(checked);
  for (auto _ : state) {
    contended.lock();
    benchmark::DoNotOptimize(&contended);
    contended.unlock();
  }
  if (state.thread_index() == 0) SetLockOrderChecking(false);
}
void BM_Contended_Raw(benchmark::State& state) { ContendedPair(state, false); }
void BM_Contended_Checked(benchmark::State& state) { ContendedPair(state, true); }
BENCHMARK(BM_Contended_Raw)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_Contended_Checked)->Threads(1)->Threads(2)->UseRealTime();

// Adds 10 edges per lock, all consistent with one hidden random order (so
// no cycle, but most edges disagree with insertion order and force the
// incremental reordering), then closes one cycle.
void BM_GraphAddEdges(benchmark::State& state) {
  const int locks = static_cast<int>(state.range(0));
  const int edges = 10 * locks;
  std::mt19937 random(42);
  std::vector<int> order(static_cast<size_t>(locks));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), random);
  std::vector<std::pair<LockId, LockId>> pairs;
  std::uniform_int_distribution<int> pick(0, locks - 1);
  while (static_cast<int>(pairs.size()) < edges) {
    int a = pick(random), b = pick(random);
    if (a == b) continue;
    if (a > b) std::swap(a, b);
    pairs.emplace_back(order[a], order[b]);
  }
  for (auto _ : state) {
    LockGraph graph;
    for (int i = 0; i < locks; ++i) graph.AddLock();
    for (const auto& [from, to] : pairs) graph.AddEdge(from, to, 0);
    benchmark::DoNotOptimize(graph.AddEdge(order[locks - 1], order[0], 0));
  }
  state.SetItemsProcessed(state.iterations() * edges);
  state.counters["edges"] = edges;
}
BENCHMARK(BM_GraphAddEdges)->Arg(1000)->Arg(10000)->Arg(30000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace racelab::lockorder

BENCHMARK_MAIN();
