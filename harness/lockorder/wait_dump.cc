// The wait-for dump (see wait_dump.h): the slot list and the
// async-signal-safe handler that writes it out.
#include "harness/lockorder/wait_dump.h"

#include <unistd.h>

#include <cerrno>

#include "harness/lockorder/arena.h"

namespace racelab::lockorder {
namespace {

std::atomic<WaitSlot*> wait_slots{nullptr};
// The newest slot per OS thread id, direct-mapped: a contended lock finds
// its holder's slot in one load instead of a walk over every thread the
// process ever had. A collision falls back to the walk.
constexpr std::size_t kSlotsByTid = 4096;
std::atomic<WaitSlot*> slots_by_tid[kSlotsByTid];
std::atomic<RecordAppend> dump_append{nullptr};
std::atomic<HolderQuery> holder_query{nullptr};
std::atomic<ReadersQuery> readers_query{nullptr};
std::atomic<LockId (*)()> new_lock_id{nullptr};
std::atomic<bool (*)()> flush_records{nullptr};

// The slot of the thread with OS id `os_tid`; null when none has it (the
// newest slot wins: slots are pushed at the head).
WaitSlot* SlotWithOsTid(std::int64_t os_tid) {
  if (os_tid == 0) return nullptr;
  WaitSlot* const mapped = slots_by_tid[static_cast<std::uint64_t>(os_tid) % kSlotsByTid].load(
      std::memory_order_acquire);
  if (mapped != nullptr && mapped->os_tid.load(std::memory_order_relaxed) == os_tid) return mapped;
  for (WaitSlot* slot = wait_slots.load(std::memory_order_acquire); slot != nullptr;
       slot = slot->next.load(std::memory_order_acquire)) {
    if (slot->os_tid.load(std::memory_order_relaxed) == os_tid) return slot;
  }
  return nullptr;
}

// The checker's number for the thread with OS id `os_tid`; 0 when no slot
// has it.
std::uint32_t ThreadWithOsTid(std::int64_t os_tid) {
  const WaitSlot* slot = SlotWithOsTid(os_tid);
  return slot == nullptr ? 0 : slot->thread.load(std::memory_order_relaxed);
}

LockInfo* LockOf(std::uintptr_t waiting_on) {
  return reinterpret_cast<LockInfo*>(waiting_on & ~WaitSlot::kFlags);
}

// Whether a slot's published wait is one a cycle of this kind may pass
// through: blocked (a lock call, a condition wait, a join) for a deadlock;
// for a livelock also retrying long enough (a thread blocked on a lock a
// retrying one keeps is stuck as long as the retrying one goes on).
bool Qualifies(const WaitSlot& slot, std::uintptr_t waiting_on, bool retrying,
               std::int64_t now_ns) {
  if (waiting_on == 0) return false;
  if ((waiting_on & WaitSlot::kRetrying) == 0)
    return true;  // a lock (alone too), a condition, a join
  return retrying && slot.failed_tries.load(std::memory_order_relaxed) >= kLivelockAfterTries &&
         now_ns - slot.retrying_since_ns.load(std::memory_order_relaxed) >= kLivelockAfterNs;
}

// What a slot published beside `waiting_on` that a cycle step depends on:
// whom it joins, or the lock it waits for alone; 0 for other waits.
std::uintptr_t PublishedBeside(const WaitSlot& slot, std::uintptr_t waiting_on) {
  if ((waiting_on & WaitSlot::kJoining) != 0) return slot.joining.load(std::memory_order_seq_cst);
  if (waiting_on == WaitSlot::kAlone) return slot.alone_address.load(std::memory_order_seq_cst);
  return 0;
}

// The step `slot` takes by publishing `waiting_on` (a wait that qualifies),
// with `beside` what PublishedBeside read.
WaitLink LinkOf(WaitSlot* slot, std::uintptr_t waiting_on, std::uintptr_t beside) {
  if ((waiting_on & WaitSlot::kJoining) != 0) return WaitLink{slot, nullptr, WaitHow::kJoin};
  if (waiting_on == WaitSlot::kAlone) {
    return WaitLink{slot, nullptr, WaitHow::kLock, beside,
                    slot->alone_kind.load(std::memory_order_relaxed)};
  }
  LockInfo* const lock = LockOf(waiting_on);
  return WaitLink{slot, lock,
                  (waiting_on & WaitSlot::kRetrying) != 0    ? WaitHow::kRetry
                  : (waiting_on & WaitSlot::kCondition) != 0 ? WaitHow::kCondition
                                                             : WaitHow::kLock,
                  lock->address, lock->kind};
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

char* AppendHex(char* out, std::uint64_t value) {
  char digits[16];
  int count = 0;
  do {
    digits[count++] = "0123456789abcdef"[value % 16];
    value /= 16;
  } while (value != 0);
  while (count > 0) *out++ = digits[--count];
  return out;
}

// A `lock` line, as RecordFileWriter::OnLock writes it.
void WriteLockLine(RecordAppend append, LockId id, LockKind kind, std::uintptr_t address,
                   SiteId first_site) {
  char line[128];
  char* end = AppendText(line, "lock ");
  end = AppendNumber(end, id);
  end = AppendText(end, kind == LockKind::kRecursiveMutex ? " recursive 0x"
                        : kind == LockKind::kRwLock       ? " rwlock 0x"
                        : kind == LockKind::kStaticInit   ? " static-init 0x"
                        : kind == LockKind::kOnce         ? " once 0x"
                        : kind == LockKind::kSpin         ? " spin 0x"
                        : kind == LockKind::kCondition    ? " condition 0x"
                        : kind == LockKind::kSemaphore    ? " semaphore 0x"
                        : kind == LockKind::kBarrier      ? " barrier 0x"
                        : kind == LockKind::kStream       ? " stream 0x"
                                                          : " mutex 0x");
  end = AppendHex(end, address);
  if (first_site == kNoSite) {
    end = AppendText(end, " -");
  } else {
    end = AppendText(end, " ");
    end = AppendNumber(end, first_site);
  }
  *end++ = '\n';
  append(line, static_cast<std::size_t>(end - line));
}

// The `lock` line of a lock no record has named yet (see LockInfo::declared).
// When another thread has claimed the line but may not have written it (it
// may be the thread this handler interrupted), the line is written here as
// well: the reader accepts a lock declared twice alike.
void DeclareForDump(RecordAppend append, const LockInfo& lock) {
  std::uint8_t state = lock.declared.load(std::memory_order_acquire);
  if (state == LockInfo::kDeclared) return;
  const bool claimed =
      state == LockInfo::kUndeclared &&
      lock.declared.compare_exchange_strong(state, LockInfo::kDeclaring, std::memory_order_acq_rel);
  if (!claimed && state == LockInfo::kDeclared) return;
  WriteLockLine(append, lock.id, lock.kind, lock.address, lock.first_site);
  if (claimed) lock.declared.store(LockInfo::kDeclared, std::memory_order_release);
}

// One `wait` line per blocked thread (after its lock's `lock` line when no
// record named the lock before), then `wait-end`. Only atomics, the
// record file's signal-safe append and stack buffers.
void DumpWaits(int) {
  const int saved_errno = errno;
  // The lines below name locks and sites the checker wrote. When it is busy
  // (the thread this handler interrupted may be inside it, its line not
  // written yet), each lock is declared here with no site, and no wait
  // names a site: the reader accepts a lock declared again with its site.
  bool (*const flush)() = flush_records.load(std::memory_order_acquire);
  const bool flushed = flush == nullptr || flush();
  const RecordAppend append = dump_append.load(std::memory_order_acquire);
  std::uint64_t count = 0;
  for (WaitSlot* slot = wait_slots.load(std::memory_order_acquire);
       slot != nullptr && append != nullptr; slot = slot->next.load(std::memory_order_acquire)) {
    const std::uintptr_t waiting_on = slot->waiting_on.load(std::memory_order_acquire);
    if (waiting_on == 0 || (waiting_on & (WaitSlot::kRetrying | WaitSlot::kJoining)) != 0) continue;
    LockId id = 0;
    std::uintptr_t address = 0;
    LockKind kind = LockKind::kMutex;
    if (waiting_on == WaitSlot::kAlone) {
      // An unresolved lock: named here for the first time, by a new id.
      LockId (*const next_id)() = new_lock_id.load(std::memory_order_relaxed);
      if (next_id == nullptr) continue;
      id = next_id();
      address = slot->alone_address.load(std::memory_order_relaxed);
      kind = slot->alone_kind.load(std::memory_order_relaxed);
      WriteLockLine(append, id, kind, address, kNoSite);
    } else {
      const LockInfo* lock = LockOf(waiting_on);
      if (flushed) {
        DeclareForDump(append, *lock);
      } else {
        WriteLockLine(append, lock->id, lock->kind, lock->address, kNoSite);
      }
      id = lock->id;
      address = lock->address;
      kind = lock->kind;
    }
    const bool condition = (waiting_on & WaitSlot::kCondition) != 0;
    char line[128];
    char* end = AppendText(line, "wait ");
    end = AppendNumber(end, slot->thread.load(std::memory_order_relaxed));
    end = AppendText(end, " ");
    end = AppendNumber(end, id);
    end = AppendText(end, condition ? " condition " : " mutex ");
    const HolderQuery holder = holder_query.load(std::memory_order_relaxed);
    end = AppendNumber(end, holder == nullptr ? 0 : ThreadWithOsTid(holder(address, kind)));
    const SiteId site =
        condition && flushed ? slot->wait_site_id.load(std::memory_order_relaxed) : kNoSite;
    if (site == kNoSite) {
      end = AppendText(end, " -");
    } else {
      end = AppendText(end, " ");
      end = AppendNumber(end, site);
    }
    const ReadersQuery readers = readers_query.load(std::memory_order_relaxed);
    end = AppendText(end, " ");
    end = AppendNumber(end, readers == nullptr ? 0 : readers(address, kind));
    *end++ = '\n';
    append(line, static_cast<std::size_t>(end - line));
    ++count;
  }
  if (append != nullptr) {
    char line[32];
    char* end = AppendText(line, "wait-end ");
    end = AppendNumber(end, count);
    *end++ = '\n';
    append(line, static_cast<std::size_t>(end - line));
  }
  errno = saved_errno;
}

}  // namespace

int FindWaitCycle(WaitSlot* self, HolderQuery holder, bool retrying, std::int64_t now_ns,
                  WaitLink* links, int max_links) {
  const std::int64_t self_tid = self->os_tid.load(std::memory_order_relaxed);
  std::uintptr_t waits[64];   // what each link's slot published, to check again
  std::uintptr_t beside[64];  // and whom it joins, or which lock it waits for alone
  if (max_links > 64) max_links = 64;
  int count = 0;
  std::uintptr_t waiting_on = self->waiting_on.load(std::memory_order_relaxed);
  WaitSlot* slot = self;
  while (true) {
    if (waiting_on == 0 || count == max_links) return 0;
    beside[count] = PublishedBeside(*slot, waiting_on);
    links[count] = LinkOf(slot, waiting_on, beside[count]);
    waits[count++] = waiting_on;
    WaitSlot* next = nullptr;
    if (links[count - 1].how == WaitHow::kJoin) {
      next = SlotOfPthread(beside[count - 1]);
      if (next == nullptr) return 0;  // a thread that never took a lock waits for none
    } else {
      const std::int64_t owner = holder(links[count - 1].address, links[count - 1].kind);
      if (owner == 0) return 0;
      if (owner == self_tid) break;
      next = SlotWithOsTid(owner);
      if (next == nullptr) return 0;
    }
    if (next == self) break;
    slot = next;
    for (int i = 0; i < count; ++i) {
      if (links[i].slot == slot) return 0;  // a cycle without `self`: its own threads find it
    }
    waiting_on = slot->waiting_on.load(std::memory_order_seq_cst);
    if (!Qualifies(*slot, waiting_on, retrying, now_ns)) return 0;
  }
  // Checked again from the far end. The last link waits for `self` (a lock
  // it holds, or its end), so it is stuck for as long as `self` is; once a
  // link is stuck, what the link before waits for (a lock it still holds,
  // or its end) stays out of reach, so that link is stuck too, and so on
  // back to `self`.
  for (int i = count - 1; i >= 1; --i) {
    const std::uintptr_t waiting_on_now = links[i].slot->waiting_on.load(std::memory_order_seq_cst);
    if (waiting_on_now != waits[i] ||
        PublishedBeside(*links[i].slot, waiting_on_now) != beside[i]) {
      return 0;
    }
    if (links[i - 1].how == WaitHow::kJoin) continue;  // it waits for that very slot's thread
    if (holder(links[i - 1].address, links[i - 1].kind) !=
        links[i].slot->os_tid.load(std::memory_order_relaxed)) {
      return 0;
    }
  }
  return count;
}

WaitSlot* SlotOfPthread(std::uintptr_t pthread_id) {
  for (WaitSlot* slot = wait_slots.load(std::memory_order_acquire); slot != nullptr;
       slot = slot->next.load(std::memory_order_acquire)) {
    if (slot->pthread_id.load(std::memory_order_relaxed) == pthread_id) return slot;
  }
  return nullptr;
}

WaitSlot* NewWaitSlot(std::uint32_t thread, std::int64_t os_tid, const ThreadLockState* state) {
  auto* slot = ArenaNew<WaitSlot>();
  slot->thread.store(thread, std::memory_order_relaxed);
  slot->os_tid.store(os_tid, std::memory_order_relaxed);
  slot->state.store(state, std::memory_order_relaxed);
  WaitSlot* head = wait_slots.load(std::memory_order_relaxed);
  do {
    slot->next.store(head, std::memory_order_relaxed);
  } while (!wait_slots.compare_exchange_weak(head, slot, std::memory_order_release,
                                             std::memory_order_relaxed));
  slots_by_tid[static_cast<std::uint64_t>(os_tid) % kSlotsByTid].store(slot,
                                                                       std::memory_order_release);
  return slot;
}

void ForgetWaitSlotsAfterFork() {
  wait_slots.store(nullptr, std::memory_order_release);
  for (std::atomic<WaitSlot*>& mapped : slots_by_tid)
    mapped.store(nullptr, std::memory_order_relaxed);
}

void InstallWaitDumpHandler(RecordAppend append, HolderQuery holder, ReadersQuery readers,
                            LockId (*next_lock_id)(), bool (*flush)()) {
  holder_query.store(holder, std::memory_order_relaxed);
  readers_query.store(readers, std::memory_order_relaxed);
  new_lock_id.store(next_lock_id, std::memory_order_relaxed);
  flush_records.store(flush, std::memory_order_release);
  dump_append.store(append, std::memory_order_release);
  struct sigaction action {};
  action.sa_handler = DumpWaits;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  ::sigaction(WaitDumpSignal(), &action, nullptr);
}

}  // namespace racelab::lockorder
