// Hostile: closes every descriptor it inherited (racelab's record file
// included), opens four files of its own in the directory named by argv[1],
// writes its own line into each, then commits a latent lock-order inversion
// (A then B, later B then A; no run hangs). Nothing but its own bytes may
// appear in its files, and the inversion must still be found.
// Expected finding: lock-order-inversion.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace {

std::mutex accounts_lock;
std::mutex ledger_lock;

void Post() {
  std::lock_guard<std::mutex> accounts(accounts_lock);
  std::lock_guard<std::mutex> ledger(ledger_lock);
}

void Audit() {
  std::lock_guard<std::mutex> ledger(ledger_lock);
  std::lock_guard<std::mutex> accounts(accounts_lock);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  for (int fd = 0; fd < 1024; ++fd) ::close(fd);
  int files[4];
  for (int i = 0; i < 4; ++i) {
    const std::string path = std::string(argv[1]) + "/own" + std::to_string(i) + ".txt";
    files[i] = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (files[i] < 0) return 3;
  }
  std::thread post(Post);
  post.join();
  std::thread audit(Audit);
  audit.join();
  for (int i = 0; i < 4; ++i) {
    const std::string line = "own line of file " + std::to_string(i) + "\n";
    if (::write(files[i], line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 4;
    ::close(files[i]);
  }
  return 0;
}
