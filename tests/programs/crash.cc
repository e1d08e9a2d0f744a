// Buggy: a worker finds a job missing from its table and aborts, as a failed
// assertion would, after printing its progress. Expected finding: crash,
// with the last lines the program printed. (An abort, not a null
// dereference: UBSan would report that first, as another kind.)
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace {

struct Job {
  int id;
};

const Job* FindJob(const Job* jobs, int count, int id) {
  for (int i = 0; i < count; ++i) {
    if (jobs[i].id == id) return &jobs[i];
  }
  return nullptr;
}

void Work() {
  const Job jobs[] = {{1}, {2}};
  for (int id = 1; id <= 3; ++id) {
    const Job* job = FindJob(jobs, 2, id);
    if (job == nullptr) {
      std::printf("worker: job %d is missing\n", id);
      std::fflush(stdout);
      std::abort();  // bug: job 3 was never queued
    }
    std::printf("worker: processed job %d\n", job->id);
  }
}

}  // namespace

int main() {
  std::thread worker(Work);
  worker.join();
}
