// Buggy: a hang with no lock cycle. The producer captures the shared state
// by value, so it sets the flag and notifies on its own copy; the consumer
// waits (with a predicate, so no spurious wakeup can save it) forever.
// Expected finding: hang.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

struct Mailbox {
  bool has_mail = false;
};

std::mutex mailbox_lock;
std::condition_variable mail_arrived;

}  // namespace

int main() {
  Mailbox mailbox;
  std::thread postman([mailbox]() mutable {  // bug: a copy of the mailbox
    std::lock_guard<std::mutex> lock(mailbox_lock);
    mailbox.has_mail = true;
    mail_arrived.notify_one();
  });
  {
    std::unique_lock<std::mutex> lock(mailbox_lock);
    mail_arrived.wait(lock, [&] { return mailbox.has_mail; });
  }
  postman.join();
  std::puts("mail read");
}
