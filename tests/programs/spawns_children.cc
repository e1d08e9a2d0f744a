// Correct: a program that locks mutexes and starts child processes (a shell
// running a pipeline) while doing so. The preload library is inherited by
// every child; their records must not turn into findings about the parent,
// nor must the children's own lock use look like a bug. Expected: clean.
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <mutex>
#include <thread>

extern char** environ;

namespace {

std::mutex jobs_lock;
int jobs_done = 0;

bool RunShell(const char* command) {
  char sh[] = "/bin/sh", dash_c[] = "-c";
  char* argv[] = {sh, dash_c, const_cast<char*>(command), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, environ) != 0) return false;
  int status = 0;
  return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void RunJobs() {
  for (int i = 0; i < 3; ++i) {
    std::lock_guard<std::mutex> lock(jobs_lock);
    if (RunShell("echo job | sort | wc -l > /dev/null")) ++jobs_done;
  }
}

}  // namespace

int main() {
  std::thread a(RunJobs);
  std::thread b(RunJobs);
  a.join();
  b.join();
  std::printf("jobs done: %d\n", jobs_done);
  return jobs_done == 6 ? 0 : 1;
}
