// Loopback TCP scaffolding for cases that serve real connections (the web
// server): a listening socket on 127.0.0.1 with a port the kernel picks
// (so runs never collide), a client connection to it, and whole sends and
// reads that retry on EINTR. Every descriptor is close-on-exec; sends never
// raise SIGPIPE. Functions are thread-safe; a LoopbackListener is shared by
// the threads that accept on it.
#ifndef RACELAB_HARNESS_CATALOG_LOOPBACK_H_
#define RACELAB_HARNESS_CATALOG_LOOPBACK_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>

namespace racelab {

class LoopbackListener {
 public:
  LoopbackListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  bool ok() const { return fd_ >= 0; }
  int port() const { return port_; }

  // The next connection's descriptor; -1 once StopAccepting() was called.
  int Accept() const {
    while (true) {
      const int connection = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection >= 0) return connection;
      if (errno != EINTR && errno != ECONNABORTED) return -1;
    }
  }
  // Wakes every thread blocked in Accept() (which then returns -1).
  void StopAccepting() const { ::shutdown(fd_, SHUT_RDWR); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A connection to 127.0.0.1:`port`; -1 when it cannot be made.
inline int ConnectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends all of `data`; false on error (a peer that went away is an error,
// not a SIGPIPE).
inline bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

// Reads until `done(text so far)` or the end of the stream; returns what
// was read.
template <typename Done>
std::string ReceiveUntil(int fd, Done&& done) {
  std::string text;
  char buffer[512];
  while (!done(text)) {
    const ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    text.append(buffer, static_cast<size_t>(got));
  }
  return text;
}

}  // namespace racelab

#endif  // RACELAB_HARNESS_CATALOG_LOOPBACK_H_
