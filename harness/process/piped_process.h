// A helper program kept running to answer requests over a socket (addr2line
// reading addresses from its standard input): its standard input and output
// are one end of a socket pair, its standard error is /dev/null, it leads a
// process group of its own (a Ctrl-C at the terminal is racelab's to
// handle), and no run takes it for an orphan (orphans.h). It ends when the
// PipedProcess is destroyed (end of input, then SIGKILL after a short
// grace) and when racelab dies by any means (its input reaches end of file).
#ifndef RACELAB_HARNESS_PROCESS_PIPED_PROCESS_H_
#define RACELAB_HARNESS_PROCESS_PIPED_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace racelab {

class PipedProcess {
 public:
  // Spawns `argv` (argv[0] looked up in PATH when it has no '/'). NotFound /
  // PermissionDenied / FailedPrecondition name the program when it cannot
  // be started.
  static absl::StatusOr<std::unique_ptr<PipedProcess>> Start(const std::vector<std::string>& argv);

  PipedProcess(const PipedProcess&) = delete;
  PipedProcess& operator=(const PipedProcess&) = delete;
  ~PipedProcess();

  // Sends `request` and reads the answer until `complete(answer so far)`.
  // Unavailable when the helper ends first or does not complete its answer
  // within `timeout`; the helper is then ended, and every later call fails.
  absl::StatusOr<std::string> Exchange(absl::string_view request,
                                       const std::function<bool(absl::string_view)>& complete,
                                       absl::Duration timeout);

  pid_t pid() const { return pid_; }

 private:
  PipedProcess(pid_t pid, int socket_fd, std::string name)
      : pid_(pid), socket_fd_(socket_fd), name_(std::move(name)) {}
  void End();

  pid_t pid_;
  int socket_fd_;
  std::string name_;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_PROCESS_PIPED_PROCESS_H_
