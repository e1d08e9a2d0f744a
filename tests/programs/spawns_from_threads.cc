// Hostile to --perturb: threads that start other programs (posix_spawn,
// fork, fork + exec) must give them the CPUs the process had, even though a
// perturbed run keeps each thread on one CPU. Exits 1, naming the
// difference, when a child sees a CPU set other than the process's at
// start; prints what its threads saw. Expected: clean, perturbed or not.
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

extern char** environ;

namespace {

int CpuCount() {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : -1;
}

// A shell whose exit status is the number of CPUs it may run on.
int SpawnedCpuCount(bool use_fork) {
  char sh[] = "/bin/sh", dash_c[] = "-c";
  char count[] = "exit $(nproc)";  // nproc counts the CPUs it may run on
  char* argv[] = {sh, dash_c, count, nullptr};
  pid_t pid = 0;
  if (use_fork) {
    pid = fork();
    if (pid == 0) {
      execve("/bin/sh", argv, environ);
      _exit(127);
    }
  } else if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, environ) != 0) {
    return -1;
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// A forked child (no exec) reports its own CPU count through its status.
int ForkedCpuCount() {
  const pid_t pid = fork();
  if (pid == 0) _exit(CpuCount());
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace

int main() {
  const int at_start = CpuCount();
  int spawned = 0, exec_after_fork = 0, forked = 0, in_thread = 0;
  std::mutex started;
  std::thread worker([&] {
    { std::lock_guard<std::mutex> lock(started); }  // a synchronisation point first
    in_thread = CpuCount();
    spawned = SpawnedCpuCount(/*use_fork=*/false);
    exec_after_fork = SpawnedCpuCount(/*use_fork=*/true);
    forked = ForkedCpuCount();
  });
  worker.join();
  std::printf("cpus: process %d, thread %d, posix_spawn child %d, exec child %d, fork child %d\n",
              at_start, in_thread, spawned, exec_after_fork, forked);
  const bool same = spawned == at_start && exec_after_fork == at_start && forked == at_start;
  if (!same) std::printf("a child did not get the process's CPUs\n");
  return same ? 0 : 1;
}
