// Correct: two processes, each with one lock order of its own. The parent
// takes A then B; a child forked without exec takes B then A. No process
// ever has both orders, so there is no inversion: a checker that let the
// child write into the parent's records (or kept the parent's graph) would
// report one that no process had.
#include <sys/wait.h>
#include <unistd.h>

#include <mutex>
#include <thread>

namespace {

std::mutex first_lock;
std::mutex second_lock;

void FirstThenSecond() {
  std::lock_guard<std::mutex> first(first_lock);
  std::lock_guard<std::mutex> second(second_lock);
}

void SecondThenFirst() {
  std::lock_guard<std::mutex> second(second_lock);
  std::lock_guard<std::mutex> first(first_lock);
}

}  // namespace

int main() {
  std::thread parent_worker(FirstThenSecond);
  parent_worker.join();
  const pid_t child = ::fork();
  if (child < 0) return 2;
  if (child == 0) {
    std::thread child_worker(SecondThenFirst);
    child_worker.join();
    ::_exit(0);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return 3;
  return 0;
}
