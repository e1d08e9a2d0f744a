// A perturbed schedule at the hooks' synchronisation points (see
// schedule_hooks.h).
#include "harness/lockorder/schedule_hooks.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "harness/lockorder/hook_state.h"
#include "harness/schedule/pct_schedule.h"
#include "harness/schedule/perturb_protocol.h"

#pragma GCC visibility push(hidden)

namespace racelab::lockorder {

bool perturbing = false;

namespace {

// One poll of a waiting thread.
constexpr long kPollNanoseconds = 50'000;

alignas(schedule::PctSchedule) unsigned char schedule_storage[sizeof(schedule::PctSchedule)];
schedule::PctSchedule* pct = nullptr;

constexpr int kNotJoined = kNoReservedSlot;
constinit __attribute__((tls_model("initial-exec"))) thread_local int slot = kNotJoined;

// Per slot: its thread's OS id (0 until the thread itself joined), and
// whether it is waiting in PerturbAtSyncPoint's polls right now.
std::atomic<std::int32_t> slot_tids[schedule::PctSchedule::kMaxThreads];
std::atomic<bool> slot_polling[schedule::PctSchedule::kMaxThreads];

// Takes the calling thread out of the schedule when it exits.
struct SlotOwner {
  ~SlotOwner() { PerturbedThreadEnds(); }
};
thread_local SlotOwner slot_owner;

// sched_attr as the kernel reads it (glibc 2.36 has no wrapper).
struct SchedulingAttributes {
  std::uint32_t size;
  std::uint32_t policy;
  std::uint64_t flags;
  std::int32_t nice;
  std::uint32_t priority;
  std::uint64_t runtime;  // SCHED_OTHER under EEVDF (Linux 6.12+): the slice
  std::uint64_t deadline;
  std::uint64_t period;
};

// The shortest slice the kernel grants (0.1 ms; the default is 0.75 to
// 3 ms). A perturbed thread asks for it so that, woken on a busy CPU, it
// runs before the slice of whatever runs there ends: the program's threads
// overlap more, which is what exposes a race with no synchronisation point
// inside (counter/racy, two CPU hogs: lost updates in 81-83 of 100 runs
// with the PCT waits and this, against 23-29 without --perturb). Policy
// and nice are kept; an older kernel ignores the request and a refused one
// changes nothing.
constexpr std::uint64_t kShortSliceNanoseconds = 100'000;

void AskForAShortSlice() {
  SchedulingAttributes attributes{};
  if (::syscall(SYS_sched_getattr, 0L, reinterpret_cast<long>(&attributes),
                static_cast<long>(sizeof attributes), 0L) != 0 ||
      attributes.policy != SCHED_OTHER) {
    return;
  }
  attributes.size = sizeof attributes;
  attributes.flags = 0;
  attributes.runtime = kShortSliceNanoseconds;
  (void)::syscall(SYS_sched_setattr, 0L, reinterpret_cast<long>(&attributes), 0L);
}

// The CPUs the process could run on when it loaded. Each thread the
// program starts is kept on one of them, round-robin by schedule slot, so
// that the program's threads run side by side rather than queued on one
// busy CPU: with the short slices above, counter/racy's lost updates went
// from 81-86 to 95-98 of 100 runs with two CPU hogs. The program's first
// thread keeps its own set, and a thread's set is given back before it
// starts another program (exec, posix_spawn, a forked child), so that no
// program it starts inherits a single CPU.
cpu_set_t cpus_at_load;
int cpu_count_at_load = 0;
constinit __attribute__((tls_model("initial-exec"))) thread_local bool kept_on_one_cpu = false;

void KeepOnOneCpu(int own) {
  if (cpu_count_at_load < 2 || own < 0) return;
  int index = own % cpu_count_at_load;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &cpus_at_load) || index-- != 0) continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    kept_on_one_cpu = ::sched_setaffinity(0, sizeof one, &one) == 0;
    return;
  }
}

void ForkedChild() {
  GiveBackCpus();
  if (slot >= 0) pct->KeepOnly(slot);  // the parent's other threads are not here
}

int JoinedSlot(int reserved = kNotJoined) {
  if (slot == kNotJoined) {
    slot = reserved != kNotJoined ? reserved : pct->Join();
    if (slot >= 0) {
      slot_tids[slot].store(static_cast<std::int32_t>(::syscall(SYS_gettid)),
                            std::memory_order_relaxed);
    }
    (void)&slot_owner;  // registers the owner's destructor for this thread
    AskForAShortSlice();
    if (::syscall(SYS_gettid) != ::getpid()) KeepOnOneCpu(slot);  // not the first thread
  }
  return slot;
}

void SleepOnePoll() {
  const timespec pause{0, kPollNanoseconds};
  ::syscall(SYS_nanosleep, reinterpret_cast<long>(&pause), 0L);
}

// Whether the thread of `other` sleeps in the kernel (state S or D in its
// /proc stat) other than in these polls: blocked where the hooks do not see
// it (the futex of a std::latch or std::atomic::wait, a read, a sleep), so
// it makes no thread wait. Waiting out the cap for it instead held each
// thread of counter/racy at its start for 25 ms, one after another, while
// the first waited in RunTogether's latch; the threads then reached the
// latch apart, slept there, and woke too far apart to overlap. Raw system
// calls and a stack buffer; false whenever /proc cannot say.
bool AsleepUnseen(int other) {
  if (other < 0 || slot_polling[other].load(std::memory_order_acquire)) return false;
  const std::int32_t tid = slot_tids[other].load(std::memory_order_relaxed);
  if (tid <= 0) return false;
  char path[48] = "/proc/self/task/";
  char* end = path + 16;
  char digits[12];
  int count = 0;
  for (std::int32_t rest = tid; rest > 0; rest /= 10)
    digits[count++] = static_cast<char>('0' + rest % 10);
  while (count > 0) *end++ = digits[--count];
  for (const char* tail = "/stat"; *tail != '\0';) *end++ = *tail++;
  *end = '\0';
  const long fd = ::syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return false;
  char text[512];
  const long got = ::syscall(SYS_read, fd, text, sizeof text);
  ::syscall(SYS_close, fd);
  // "tid (name) state ...": the name may hold ')' itself, so the last one.
  long close_paren = -1;
  for (long i = 0; i < got; ++i) {
    if (text[i] == ')') close_paren = i;
  }
  if (close_paren < 0 || close_paren + 2 >= got) return false;
  const char state = text[close_paren + 2];
  return state == 'S' || state == 'D';
}

}  // namespace

void InitializePerturbation() {
  schedule::PerturbRequest request;
  if (!schedule::ParsePerturbRequest(std::getenv(schedule::kPerturbVariable), request)) return;
  schedule::PctParameters parameters;
  parameters.seed = request.seed;
  parameters.depth = request.depth;
  pct = new (schedule_storage) schedule::PctSchedule(parameters);
  if (::sched_getaffinity(0, sizeof cpus_at_load, &cpus_at_load) == 0) {
    cpu_count_at_load = CPU_COUNT(&cpus_at_load);
  }
  ::pthread_atfork(nullptr, nullptr, ForkedChild);
  perturbing = true;
  mode.fetch_or(kPerturbedFlag, std::memory_order_release);
}

void PerturbAtSyncPoint() {
  if ((this_thread.pass_through & (HookThread::kInHook | HookThread::kExited)) != 0) return;
  HookScope scope;  // no re-entry, and nothing of this is visible to TSan
  const int own = JoinedSlot();
  pct->Step(own);
  if (own < 0) return;
  slot_polling[own].store(true, std::memory_order_release);
  // A thread found asleep counts as a poll without one (so that threads
  // that keep waking and sleeping again cannot hold this loop).
  for (int poll = 0;; ++poll) {
    const int above = pct->Outranking(own);
    if (above < 0) break;
    if (poll == pct->max_polls_per_point()) {
      pct->OverlookThoseAbove(own);
      break;
    }
    if (AsleepUnseen(above)) {
      pct->Overlook(above);
      continue;
    }
    if (!pct->SpendPoll()) break;
    SleepOnePoll();
  }
  slot_polling[own].store(false, std::memory_order_release);
}

bool PerturbedYield() {
  if ((this_thread.pass_through & (HookThread::kInHook | HookThread::kExited)) != 0) return false;
  HookScope scope;
  if (JoinedSlot() < 0 || !pct->SpendPoll()) return false;
  SleepOnePoll();
  return true;
}

int ReserveSlotForNewThread() {
  if (!perturbing) return kNoReservedSlot;
  HookScope scope;
  const int reserved = pct->Join();
  if (reserved >= 0) slot_tids[reserved].store(0, std::memory_order_relaxed);
  return reserved;
}

void ReleaseReservedSlot(int reserved) {
  if (!perturbing || reserved == kNoReservedSlot) return;
  HookScope scope;
  pct->Leave(reserved);
}

void PerturbedThreadStarts(int reserved) {
  if (!perturbing) return;
  {
    HookScope scope;
    (void)JoinedSlot(reserved);
  }
  PerturbAtSyncPoint();
}

void PerturbedThreadEnds() {
  if (!perturbing || slot < 0) return;
  HookScope scope;
  slot_tids[slot].store(0, std::memory_order_relaxed);
  pct->Leave(slot);
  slot = -1;
}

void GiveBackCpus() {
  if (!kept_on_one_cpu) return;
  kept_on_one_cpu = ::sched_setaffinity(0, sizeof cpus_at_load, &cpus_at_load) != 0;
}

CpusGivenBack::CpusGivenBack() : slot_(kept_on_one_cpu ? slot : kNotJoined) { GiveBackCpus(); }

CpusGivenBack::~CpusGivenBack() {
  if (slot_ != kNotJoined) KeepOnOneCpu(slot_);
}

void PerturbBlockedScope::MarkBlocked(bool blocked) {
  if (slot < 0) return;  // not joined (or gone): makes no one wait anyway
  HookScope scope;
  pct->SetBlocked(slot, blocked);
}

}  // namespace racelab::lockorder

#pragma GCC visibility pop
