// The wait-for dump (see wait_dump.h): the slot list and the
// async-signal-safe handler that writes it out.
#include "harness/lockorder/wait_dump.h"

#include <unistd.h>

#include <cerrno>

namespace racelab::lockorder {
namespace {

std::atomic<WaitSlot*> wait_slots{nullptr};
std::atomic<int (*)()> dump_fd{nullptr};
std::atomic<HolderQuery> holder_query{nullptr};

// The checker's number for the thread with OS id `os_tid`; 0 when no slot
// has it (the newest slot wins: slots are pushed at the head).
std::uint32_t ThreadWithOsTid(std::int64_t os_tid) {
  if (os_tid == 0) return 0;
  for (WaitSlot* slot = wait_slots.load(std::memory_order_acquire); slot != nullptr;
       slot = slot->next.load(std::memory_order_acquire)) {
    if (slot->os_tid.load(std::memory_order_relaxed) == os_tid) {
      return slot->thread.load(std::memory_order_relaxed);
    }
  }
  return 0;
}

// Async-signal-safe decimal formatting into `out`; returns the end.
char* AppendNumber(char* out, std::uint64_t value) {
  char digits[20];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (count > 0) *out++ = digits[--count];
  return out;
}

char* AppendText(char* out, const char* text) {
  while (*text != '\0') *out++ = *text++;
  return out;
}

// One `wait` line per blocked thread, then `wait-end`. Only atomics,
// write(2) and stack buffers.
void DumpWaits(int) {
  const int saved_errno = errno;
  int (*const record_fd)() = dump_fd.load(std::memory_order_acquire);
  const int fd = record_fd == nullptr ? -1 : record_fd();
  std::uint64_t count = 0;
  for (WaitSlot* slot = wait_slots.load(std::memory_order_acquire); slot != nullptr && fd >= 0;
       slot = slot->next.load(std::memory_order_acquire)) {
    const std::uintptr_t waiting_on = slot->waiting_on.load(std::memory_order_acquire);
    if (waiting_on == 0) continue;
    const auto* lock = reinterpret_cast<const LockInfo*>(waiting_on & ~WaitSlot::kCondition);
    const bool condition = (waiting_on & WaitSlot::kCondition) != 0;
    char line[128];
    char* end = AppendText(line, "wait ");
    end = AppendNumber(end, slot->thread.load(std::memory_order_relaxed));
    end = AppendText(end, " ");
    end = AppendNumber(end, lock->id);
    end = AppendText(end, condition ? " condition " : " mutex ");
    const HolderQuery holder = holder_query.load(std::memory_order_relaxed);
    end = AppendNumber(end, holder == nullptr ? 0 : ThreadWithOsTid(holder(lock->address, lock->kind)));
    *end++ = '\n';
    if (::write(fd, line, static_cast<size_t>(end - line)) > 0) ++count;
  }
  if (fd >= 0) {
    char line[32];
    char* end = AppendText(line, "wait-end ");
    end = AppendNumber(end, count);
    *end++ = '\n';
    (void)!::write(fd, line, static_cast<size_t>(end - line));
  }
  errno = saved_errno;
}

}  // namespace

WaitSlot* NewWaitSlot(std::uint32_t thread, std::int64_t os_tid) {
  auto* slot = new WaitSlot();
  slot->thread.store(thread, std::memory_order_relaxed);
  slot->os_tid.store(os_tid, std::memory_order_relaxed);
  WaitSlot* head = wait_slots.load(std::memory_order_relaxed);
  do {
    slot->next.store(head, std::memory_order_relaxed);
  } while (!wait_slots.compare_exchange_weak(head, slot, std::memory_order_release,
                                             std::memory_order_relaxed));
  return slot;
}

void ForgetWaitSlotsAfterFork() { wait_slots.store(nullptr, std::memory_order_release); }

void InstallWaitDumpHandler(int (*record_fd)(), HolderQuery holder) {
  holder_query.store(holder, std::memory_order_relaxed);
  dump_fd.store(record_fd, std::memory_order_release);
  struct sigaction action {};
  action.sa_handler = DumpWaits;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  ::sigaction(WaitDumpSignal(), &action, nullptr);
}

}  // namespace racelab::lockorder
