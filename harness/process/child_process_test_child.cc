// A misbehaving child for child_process_test: does what argv[1] says.
//   exit N | crash | abort | hang | flood MIB | print TEXT | orphan
// "orphan" forks a grandchild that keeps the output pipe open and sleeps
// forever, then exits: the runner must still return, and kill the grandchild.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) return 100;
  const std::string mode = argv[1];
  if (mode == "exit" && argc == 3) return std::atoi(argv[2]);
  if (mode == "crash") {
    raise(SIGSEGV);
    return 101;
  }
  if (mode == "abort") std::abort();
  if (mode == "hang") {
    while (true) pause();
  }
  if (mode == "flood" && argc == 3) {
    const long mebibytes = std::atol(argv[2]);
    std::vector<char> block(1 << 20, 'x');
    for (long i = 0; i < mebibytes; ++i) {
      if (fwrite(block.data(), 1, block.size(), stdout) != block.size()) return 102;
    }
    return 0;
  }
  if (mode == "print" && argc == 3) {
    std::fputs(argv[2], stdout);
    std::fputs("\nto stderr\n", stderr);
    return 0;
  }
  if (mode == "orphan") {
    const pid_t pid = fork();
    if (pid == 0) {
      // The grandchild: write its pid for the test, then sleep forever.
      std::printf("grandchild %d\n", static_cast<int>(getpid()));
      std::fflush(stdout);
      while (true) pause();
    }
    usleep(100 * 1000);  // let the grandchild print; not synchronisation of the test
    return 0;
  }
  return 100;
}
