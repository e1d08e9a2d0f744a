// lock_churn_stress — a program of our own for tools/bench/real_programs.sh:
// four threads, each with its own 4,096 pthread mutexes, build them, take
// them in pairs in varied (always ascending, so correct) orders, and destroy
// them, round after round (argument 1: rounds, default 20). Every round's
// locks are new locks at old addresses, and each pair is a lock-order edge:
// a checker that never forgot a destroyed lock would carry every round's
// locks and edges (and search them) for the rest of the run.
#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 4;
constexpr int kLocksPerThread = 4096;
constexpr int kPairsPerRound = 20'000;

pthread_mutex_t locks[kThreads][kLocksPerThread];

long Churn(int thread, int rounds) {
  std::mt19937 random(static_cast<unsigned>(thread) + 1);
  std::uniform_int_distribution<int> pick(0, kLocksPerThread - 1);
  long taken = 0;
  for (int round = 0; round < rounds; ++round) {
    for (pthread_mutex_t& lock : locks[thread]) pthread_mutex_init(&lock, nullptr);
    for (int pair = 0; pair < kPairsPerRound; ++pair) {
      int first = pick(random), second = pick(random);
      if (first == second) continue;
      if (first > second) std::swap(first, second);
      pthread_mutex_lock(&locks[thread][first]);
      pthread_mutex_lock(&locks[thread][second]);
      ++taken;
      pthread_mutex_unlock(&locks[thread][second]);
      pthread_mutex_unlock(&locks[thread][first]);
    }
    for (pthread_mutex_t& lock : locks[thread]) pthread_mutex_destroy(&lock);
  }
  return taken;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 20;
  std::vector<std::thread> threads;
  long taken[kThreads] = {};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, rounds, &taken] { taken[t] = Churn(t, rounds); });
  }
  for (std::thread& thread : threads) thread.join();
  std::printf("%ld\n", taken[0] + taken[1] + taken[2] + taken[3]);
}
