// A helper program answering over a socket pair (see piped_process.h).
#include "harness/process/piped_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "harness/process/child_process.h"
#include "harness/process/orphans.h"

extern char** environ;

namespace racelab {
namespace {

constexpr absl::Duration kEndGrace = absl::Milliseconds(500);

// Frees posix_spawn's attribute and file-action objects on scope exit.
struct SpawnSetup {
  SpawnSetup() {
    ::posix_spawnattr_init(&attributes);
    ::posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    ::posix_spawnattr_destroy(&attributes);
    ::posix_spawn_file_actions_destroy(&actions);
  }
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_t actions;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PipedProcess>> PipedProcess::Start(
    const std::vector<std::string>& argv) {
  if (argv.empty()) return absl::InvalidArgumentError("no program to start");
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    return absl::InternalError(absl::StrCat("socketpair: ", std::strerror(errno)));
  }
  const int ours = ends[0];
  const int theirs = ends[1];

  SpawnSetup setup;
  // Its own process group; default dispositions and no blocked signal,
  // whatever racelab's are.
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int signal_number : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) {
    sigaddset(&defaults, signal_number);
  }
  sigset_t none;
  sigemptyset(&none);
  ::posix_spawnattr_setflags(
      &setup.attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  ::posix_spawnattr_setpgroup(&setup.attributes, 0);
  ::posix_spawnattr_setsigdefault(&setup.attributes, &defaults);
  ::posix_spawnattr_setsigmask(&setup.attributes, &none);
  ::posix_spawn_file_actions_adddup2(&setup.actions, theirs, STDIN_FILENO);
  ::posix_spawn_file_actions_adddup2(&setup.actions, theirs, STDOUT_FILENO);
  ::posix_spawn_file_actions_addopen(&setup.actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);

  std::vector<std::string> strings = argv;
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  pid_t pid = -1;
  const int error = ::posix_spawnp(&pid, pointers[0], &setup.actions, &setup.attributes,
                                   pointers.data(), environ);
  ::close(theirs);
  if (error != 0) {
    ::close(ours);
    return CannotStartError(argv[0], error);
  }
  KeepAcrossRuns(pid);
  ::fcntl(ours, F_SETFL, ::fcntl(ours, F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<PipedProcess>(new PipedProcess(pid, ours, argv[0]));
}

PipedProcess::~PipedProcess() { End(); }

void PipedProcess::End() {
  if (socket_fd_ < 0) return;
  ::close(socket_fd_);  // end of input: a well-behaved helper exits now
  socket_fd_ = -1;
  const absl::Time give_up = absl::Now() + kEndGrace;
  for (;;) {
    const pid_t reaped = ::waitpid(pid_, nullptr, WNOHANG);
    if (reaped == pid_ || (reaped < 0 && errno != EINTR)) break;  // ended, or reaped elsewhere
    if (absl::Now() >= give_up) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    ::usleep(1000);
  }
  ForgetKept(pid_);
}

absl::StatusOr<std::string> PipedProcess::Exchange(
    absl::string_view request, const std::function<bool(absl::string_view)>& complete,
    absl::Duration timeout) {
  if (socket_fd_ < 0) return absl::UnavailableError(absl::StrCat("'", name_, "' has ended"));
  const absl::Time deadline = absl::Now() + timeout;
  std::string answer;
  size_t sent = 0;
  while (!complete(answer)) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      End();
      return absl::UnavailableError(
          absl::StrCat("'", name_, "' did not answer within ", absl::FormatDuration(timeout)));
    }
    pollfd watched{socket_fd_, static_cast<short>(POLLIN | (sent < request.size() ? POLLOUT : 0)),
                   0};
    const int ready = ::poll(&watched, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    if ((watched.revents & POLLOUT) != 0) {
      const ssize_t n =
          ::send(socket_fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) break;
      if (n > 0) sent += static_cast<size_t>(n);
    }
    if ((watched.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      char buffer[64 * 1024];
      const ssize_t n = ::recv(socket_fd_, buffer, sizeof buffer, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;  // it ended
      if (n > 0) answer.append(buffer, static_cast<size_t>(n));
    }
  }
  if (complete(answer)) return answer;
  End();
  return absl::UnavailableError(absl::StrCat("'", name_, "' ended before it answered"));
}

}  // namespace racelab
