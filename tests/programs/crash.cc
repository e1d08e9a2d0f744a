// Buggy: a worker thread dereferences a null job after printing progress.
// Expected finding: crash, with the last lines the program printed.
#include <cstdio>
#include <thread>

namespace {

struct Job {
  int id;
};

int Process(const Job* job) { return job->id * 2; }

void Work() {
  const Job jobs[] = {{1}, {2}};
  for (const Job& job : jobs) std::printf("worker: processed job %d\n", Process(&job));
  std::fflush(stdout);
  const Job* volatile missing = nullptr;  // volatile: the optimiser must not assume it away
  std::printf("worker: processed job %d\n", Process(missing));  // bug
}

}  // namespace

int main() {
  std::thread worker(Work);
  worker.join();
}
