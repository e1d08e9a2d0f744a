// What the lock hooks must know about the program's allocator, which may be
// glibc's, a sanitizer runtime's, or a library of the program's own
// (jemalloc, tcmalloc, mimalloc): where its code lies, so that the locks it
// takes for itself pass unchecked, and which `free` comes after the
// interposed one. Any thread.
#ifndef RACELAB_HARNESS_LOCKORDER_ALLOCATOR_H_
#define RACELAB_HARNESS_LOCKORDER_ALLOCATOR_H_

#include <atomic>
#include <cstdint>

namespace racelab::lockorder {

// The code range of a shared library that defines `malloc` in place of
// glibc; [0, 0) when there is none. Set once by FindAllocatorCode. Hidden:
// every hook reads them, and an exported variable costs a GOT load each.
extern std::uintptr_t allocator_code_begin __attribute__((visibility("hidden")));
extern std::uintptr_t allocator_code_end __attribute__((visibility("hidden")));

// Finds the allocator library's code, when checking starts. Checking a lock
// allocates, and an allocator may hold a lock of its own in the middle of an
// allocation: jemalloc, asked for memory by the checker while its
// initialisation lock is held, would wait on itself. Not when malloc is
// glibc's (whose locks are not pthread's) or lives in the main program
// (whose locks are the program's own).
void FindAllocatorCode();

// Whether a hook was called from the allocator's code. Only the hooks' slow
// paths ask: the fast path never sees the allocator's locks, which the slow
// path never caches.
inline bool CalledByAllocator(const void* return_address) {
  const auto address = reinterpret_cast<std::uintptr_t>(return_address);
  return address - allocator_code_begin < allocator_code_end - allocator_code_begin;
}

// The free that comes after the interposed one, whoever owns the heap: a
// sanitizer runtime's (its exported __interceptor_free, a weak reference
// the loader binds before any code runs), else the next object's `free`:
// glibc's, or the allocator library's (whose blocks glibc's free would
// abort on). Resolved once with dlsym; a free that dlsym itself makes while
// resolving goes to glibc's (dlsym allocates only from glibc's heap).
// Inline: every free of the program goes through it.
using FreeFunction = void (*)(void*);
extern std::atomic<FreeFunction> next_free __attribute__((visibility("hidden")));
void ResolveNextFreeAndCall(void* block);
inline void CallNextFree(void* block) {
  const FreeFunction next = next_free.load(std::memory_order_relaxed);
  if (__builtin_expect(next != nullptr, 1)) {
    next(block);
    return;
  }
  ResolveNextFreeAndCall(block);
}

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_ALLOCATOR_H_
