// ScopedFd: a file descriptor closed when it goes out of scope.
#ifndef RACELAB_HARNESS_PROCESS_SCOPED_FD_H_
#define RACELAB_HARNESS_PROCESS_SCOPED_FD_H_

#include <unistd.h>

namespace racelab {

// Closes a file descriptor on scope exit.
class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() { Reset(); }
  int get() const { return fd_; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_PROCESS_SCOPED_FD_H_
