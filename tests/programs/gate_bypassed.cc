// Buggy, though every run ends: gate_lock's two threads take the ledger and
// journal locks in opposite orders under one gate, and then a fix-up path
// takes ledger then journal without the gate. Had it run while the second
// thread held the journal lock, each would wait for the other's lock
// forever. Expected: a lock-order inversion whose ledger-then-journal step
// is the fix-up's (lines 37 and 38), not the gated thread's.
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

void FixUpCount() {  // forgets the gate
  std::lock_guard<std::mutex> ledger(ledger_lock);
  std::lock_guard<std::mutex> journal(journal_lock);
  entries = 200;
}

}  // namespace

int main() {
  std::thread a(WriteLedgerThenJournal);
  std::thread b(WriteJournalThenLedger);
  a.join();
  b.join();
  FixUpCount();
  std::printf("entries: %d\n", entries);
  return 0;
}
