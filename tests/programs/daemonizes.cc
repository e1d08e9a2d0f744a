// Hostile: leaves processes behind. It double-forks a daemon (setsid, parent
// gone, SIGTERM and SIGHUP ignored) and starts a child that calls setsid()
// and blocks every signal it can; both sleep for an hour. The program itself
// exits 0 at once, once both have started. racelab must kill both and name
// them (stray-process).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

namespace {

[[noreturn]] void SleepForAnHour(int ready_fd) {
  char ready = 'r';
  (void)!::write(ready_fd, &ready, 1);
  ::close(ready_fd);
  for (int second = 0; second < 3600; ++second) ::sleep(1);
  ::_exit(0);
}

}  // namespace

int main() {
  int ready[2];
  if (::pipe(ready) != 0) return 2;
  // The daemon: fork, setsid, fork again; the middle process exits.
  const pid_t middle = ::fork();
  if (middle == 0) {
    ::setsid();
    if (::fork() == 0) {
      ::signal(SIGTERM, SIG_IGN);
      ::signal(SIGHUP, SIG_IGN);
      SleepForAnHour(ready[1]);
    }
    ::_exit(0);
  }
  ::waitpid(middle, nullptr, 0);
  // A session leader of its own that blocks what it can.
  if (::fork() == 0) {
    ::setsid();
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_BLOCK, &all, nullptr);
    SleepForAnHour(ready[1]);
  }
  ::close(ready[1]);
  char byte;
  int started = 0;
  while (started < 2 && ::read(ready[0], &byte, 1) == 1) ++started;
  std::printf("started %d background processes\n", started);
  return started == 2 ? 0 : 3;
}
