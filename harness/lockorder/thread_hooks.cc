// Thread creation, joins and detaches (see thread_hooks.h).
#include "harness/lockorder/thread_hooks.h"

#include <atomic>
#include <cstdlib>

#include "harness/lockorder/allocator.h"
#include "harness/lockorder/hook_bodies.h"
#include "harness/lockorder/schedule_hooks.h"

#pragma GCC visibility push(hidden)

namespace racelab::lockorder {
namespace {

std::atomic<std::uint64_t> creations{0};

// What the new thread needs to report its creation and run the program's
// routine. Allocated by the creator, freed by the new thread.
struct ThreadStart {
  void* (*routine)(void*);
  void* argument;
  std::uint64_t generation;
  bool detached;
  int schedule_slot;  // reserved in a perturbed schedule (schedule_hooks.h)
  Site created;
};

void* StartThread(void* start_memory) {
  auto* start = static_cast<ThreadStart*>(start_memory);
  void* (*const routine)(void*) = start->routine;
  void* const argument = start->argument;
  const int schedule_slot = start->schedule_slot;
  {
    HookScope no_hooks;
    thread_claims.Created(Address(reinterpret_cast<void*>(pthread_self())), start->generation,
                          start->detached, start->created);
    std::free(start);
  }
  PerturbedThreadStarts(schedule_slot);
  void* const result = routine(argument);
  Perturb();  // the thread's end is a synchronisation point too (a join waits for it)
  PerturbedThreadEnds();
  return result;
}

// Where the hook was called from (`caller`, its return address), when the
// checker runs: by the DWARF unwinder alone (std::thread has no frame
// pointers), so that a thread that only creates or joins threads is given
// no lock state and no number.
Site HookSite(const void* caller) {
  Site site;
  if (!Active()) return site;
  site.pcs[0] = Address(caller);
  site.depth = 1;
  HookScope scope;
  CompleteSiteByUnwinding(site);
  return site;
}

bool CreatedDetached(const pthread_attr_t* attributes) {
  int state = PTHREAD_CREATE_JOINABLE;
  return attributes != nullptr && pthread_attr_getdetachstate(attributes, &state) == 0 &&
         state == PTHREAD_CREATE_DETACHED;
}

}  // namespace

int CreateThread(pthread_t* thread, const pthread_attr_t* attributes, void* (*routine)(void*),
                 void* argument, const void* caller, ThreadCreateCall create) {
  Perturb();
  const std::uint64_t generation = creations.fetch_add(1, std::memory_order_relaxed) + 1;
  const bool detached = CreatedDetached(attributes);
  if (CalledByAllocator(caller) || !Active()) {
    // Not started through racelab's routine (an allocator's own thread, or
    // checking is off: before it began, or in a clang sanitizer build whose
    // interceptors call these hooks as their "real" functions, where the
    // routine would run before the sanitizer set the new thread up), but
    // its handle's entry is still made new.
    const int result = create(thread, attributes, routine, argument);
    HookScope no_hooks;
    if (result == 0) {
      thread_claims.Created(Address(reinterpret_cast<void*>(*thread)), generation, detached,
                            Site());
    }
    return result;
  }
  const Site site = HookSite(caller);
  ThreadStart* start = nullptr;
  {
    HookScope no_hooks;
    start = static_cast<ThreadStart*>(std::malloc(sizeof(ThreadStart)));
  }
  if (start == nullptr) return create(thread, attributes, routine, argument);
  *start = ThreadStart{routine, argument, generation, detached, ReserveSlotForNewThread(), site};
  const int schedule_slot = start->schedule_slot;
  const int result = create(thread, attributes, StartThread, start);
  if (result != 0) ReleaseReservedSlot(schedule_slot);
  HookScope no_hooks;
  if (result != 0) {
    std::free(start);  // no thread started
  } else {
    // The new thread may have freed `start` already: only the copies here.
    thread_claims.Created(Address(reinterpret_cast<void*>(*thread)), generation, detached, site);
  }
  return result;
}

void ClaimThreadEnd(pthread_t thread, ThreadClaims::Claim claim, const void* caller,
                    const std::uintptr_t* hook_frame) {
  if (CalledByAllocator(caller)) return;
  // A thread joining itself fails with EDEADLK and claims nothing.
  if (claim == ThreadClaims::Claim::kJoined && pthread_equal(thread, pthread_self())) return;
  const Site site = HookSite(caller);
  ThreadClaims::Earlier earlier;
  {
    HookScope no_hooks;
    earlier = thread_claims.ClaimEnd(Address(reinterpret_cast<void*>(thread)), claim, site);
  }
  if (earlier.claim == ThreadClaims::Claim::kNone || !Active()) return;
  const bool joining = claim == ThreadClaims::Claim::kJoined;
  const bool was_joined = earlier.claim == ThreadClaims::Claim::kJoined;
  const MisuseKind misuse =
      joining ? (was_joined ? MisuseKind::kJoinedTwice : MisuseKind::kJoinDetached)
              : (was_joined ? MisuseKind::kDetachJoined : MisuseKind::kDetachedTwice);
  const void* handle = reinterpret_cast<void*>(thread);
  {
    HookScope scope;
    checker->Forget(Address(handle));  // a thread named by its creation, not an older one's
  }
  ReportMisuseFromHook(handle, LockKind::kThread, misuse,
                       MisuseFacts{.created = &earlier.created, .earlier = &earlier.claimed},
                       hook_frame);
}

}  // namespace racelab::lockorder

#pragma GCC visibility pop
