// Correct, though a naive lock-order checker flags it: two threads take A
// and B in opposite orders, but always while holding one gate lock, so they
// can never interleave between the two. Expected: clean (the cycle is
// guarded).
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex gate;
std::mutex ledger_lock;
std::mutex journal_lock;
int entries = 0;

void WriteLedgerThenJournal() {
  for (int i = 0; i < 100; ++i) {
    std::lock_guard<std::mutex> g(gate);
    std::lock_guard<std::mutex> ledger(ledger_lock);
    std::lock_guard<std::mutex> journal(journal_lock);
    ++entries;
  }
}

void WriteJournalThenLedger() {
  for (int i = 0; i < 100; ++i) {
    std::lock_guard<std::mutex> g(gate);
    std::lock_guard<std::mutex> journal(journal_lock);
    std::lock_guard<std::mutex> ledger(ledger_lock);
    ++entries;
  }
}

}  // namespace

int main() {
  std::thread a(WriteLedgerThenJournal);
  std::thread b(WriteJournalThenLedger);
  a.join();
  b.join();
  std::printf("entries: %d\n", entries);
  return entries == 200 ? 0 : 1;
}
