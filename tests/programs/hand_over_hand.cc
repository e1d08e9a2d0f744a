// Correct: two threads walk a linked list with a lock per node, taking the
// next node's lock before letting go of the current one, always in list
// order. Many nested acquisitions, one consistent order. Expected: clean.
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

namespace {

struct Node {
  std::mutex lock;
  int value = 0;
  std::unique_ptr<Node> next;
};

void AddToEveryNode(Node* head, int amount) {
  Node* current = head;
  current->lock.lock();
  while (current != nullptr) {
    current->value += amount;
    Node* next = current->next.get();
    if (next != nullptr) next->lock.lock();  // hand over hand: next before current is let go
    current->lock.unlock();
    current = next;
  }
}

}  // namespace

int main() {
  auto head = std::make_unique<Node>();
  Node* tail = head.get();
  for (int i = 0; i < 8; ++i) {
    tail->next = std::make_unique<Node>();
    tail = tail->next.get();
  }
  std::thread a([&] {
    for (int i = 0; i < 50; ++i) AddToEveryNode(head.get(), 1);
  });
  std::thread b([&] {
    for (int i = 0; i < 50; ++i) AddToEveryNode(head.get(), 2);
  });
  a.join();
  b.join();
  std::printf("head: %d, tail: %d\n", head->value, tail->value);
  return head->value == 150 && tail->value == 150 ? 0 : 1;
}
