// A std::mutex with Abseil's thread-safety annotations, for the harness's
// own threads (`racelab run --jobs`). Not absl::Mutex: Debian's Abseil
// archives are not built with ThreadSanitizer, so in the tsan presets TSan
// would not see the order an absl::Mutex makes between threads and would
// report races that are not there; std::mutex locks through pthread, which
// TSan intercepts.
#ifndef RACELAB_HARNESS_SESSION_ANNOTATED_MUTEX_H_
#define RACELAB_HARNESS_SESSION_ANNOTATED_MUTEX_H_

#include <mutex>

#include "absl/base/thread_annotations.h"

namespace racelab {

class ABSL_LOCKABLE AnnotatedMutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mutex_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

class ABSL_SCOPED_LOCKABLE AnnotatedLock {
 public:
  explicit AnnotatedLock(AnnotatedMutex& mutex) ABSL_EXCLUSIVE_LOCK_FUNCTION(mutex)
      : mutex_(mutex) {
    mutex_.Lock();
  }
  ~AnnotatedLock() ABSL_UNLOCK_FUNCTION() { mutex_.Unlock(); }
  AnnotatedLock(const AnnotatedLock&) = delete;
  AnnotatedLock& operator=(const AnnotatedLock&) = delete;

 private:
  AnnotatedMutex& mutex_;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_SESSION_ANNOTATED_MUTEX_H_
