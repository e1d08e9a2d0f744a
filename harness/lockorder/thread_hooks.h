// What the hooks of pthread_create, pthread_join and pthread_detach do for
// the thread misuses (thread_claims.h): a thread's creation is reported
// twice — by the creator once the real call returned and by the new thread
// when it starts, through a start routine of racelab's that then calls the
// program's — and a join or detach of a thread whose end was claimed
// already is misuse, reported with the thread's creation site and the
// earlier claim's. The wait-for side of pthread_join is hook_bodies.h's
// Joining.
#ifndef RACELAB_HARNESS_LOCKORDER_THREAD_HOOKS_H_
#define RACELAB_HARNESS_LOCKORDER_THREAD_HOOKS_H_

#include <pthread.h>

#include <cstdint>

#include "harness/lockorder/thread_claims.h"

#pragma GCC visibility push(hidden)

namespace racelab::lockorder {

using ThreadCreateCall = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);

// pthread_create through `create`, the real call. `caller` is the hook's
// return address (where the creation site's unwinding starts).
int CreateThread(pthread_t* thread, const pthread_attr_t* attributes, void* (*routine)(void*),
                 void* argument, const void* caller, ThreadCreateCall create);

// A join (`claim` kJoined) or detach of `thread`, before the real call;
// `hook_frame` is the hook's frame (a misuse's site).
void ClaimThreadEnd(pthread_t thread, ThreadClaims::Claim claim, const void* caller,
                    const std::uintptr_t* hook_frame);

}  // namespace racelab::lockorder

#pragma GCC visibility pop

#endif  // RACELAB_HARNESS_LOCKORDER_THREAD_HOOKS_H_
