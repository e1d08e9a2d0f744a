// InvisibleToTsan: while one is in scope, ThreadSanitizer ignores the
// calling thread's memory accesses and synchronisation (its dynamic
// annotations; a no-op in builds without TSan). For the lock-order hooks,
// which run inside user threads: the checker's own atomics, spinlock and
// lazy initialisation must not create happens-before between user threads
// and so hide their races (when the first thread to lock initialised the
// hooks, releasing `mode` for the next thread's first lock to acquire, TSan
// missed bank_account/racy's race in about one run of ten). Scopes nest
// (TSan counts them). Any thread.
#ifndef RACELAB_HARNESS_LOCKORDER_INVISIBLE_TO_TSAN_H_
#define RACELAB_HARNESS_LOCKORDER_INVISIBLE_TO_TSAN_H_

// ThreadSanitizer's entry points, present only in TSan builds.
extern "C" {
void AnnotateIgnoreReadsBegin(const char* file, int line) __attribute__((weak));
void AnnotateIgnoreReadsEnd(const char* file, int line) __attribute__((weak));
void AnnotateIgnoreWritesBegin(const char* file, int line) __attribute__((weak));
void AnnotateIgnoreWritesEnd(const char* file, int line) __attribute__((weak));
void AnnotateIgnoreSyncBegin(const char* file, int line) __attribute__((weak));
void AnnotateIgnoreSyncEnd(const char* file, int line) __attribute__((weak));
}

namespace racelab::lockorder {

class InvisibleToTsan {
 public:
  InvisibleToTsan() {
    if (AnnotateIgnoreSyncBegin != nullptr) {
      AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
      AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
      AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
    }
  }
  ~InvisibleToTsan() {
    if (AnnotateIgnoreSyncEnd != nullptr) {
      AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
      AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
      AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
    }
  }
  InvisibleToTsan(const InvisibleToTsan&) = delete;
  InvisibleToTsan& operator=(const InvisibleToTsan&) = delete;
};

// For code that only reads and writes memory (plain or atomic) and calls
// nothing ThreadSanitizer intercepts, such as the hooks' fast paths: TSan
// sees such code only through its own instrumentation, so this is
// InvisibleToTsan where this file is compiled with TSan and nothing (not
// even a test) elsewhere, as in the preload library loaded into a TSan
// program.
#if defined(__SANITIZE_THREAD__)
#define RACELAB_COMPILED_WITH_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RACELAB_COMPILED_WITH_TSAN 1
#endif
#endif
#ifdef RACELAB_COMPILED_WITH_TSAN
using InvisibleAccessesToTsan = InvisibleToTsan;
#else
struct InvisibleAccessesToTsan {
  InvisibleAccessesToTsan() {}  // user-provided: a scope guard, not an unused variable
  InvisibleAccessesToTsan(const InvisibleAccessesToTsan&) = delete;
  InvisibleAccessesToTsan& operator=(const InvisibleAccessesToTsan&) = delete;
};
#endif

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_INVISIBLE_TO_TSAN_H_
