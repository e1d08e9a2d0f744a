// What racelab learned of a program before running it in black-box mode
// (harness/runner/program_inspection.h finds it out): what it was built
// with and whether the lock-order preload library reaches its locks. Data
// only.
#ifndef RACELAB_HARNESS_MODEL_PROGRAM_TRAITS_H_
#define RACELAB_HARNESS_MODEL_PROGRAM_TRAITS_H_

#include <string>

namespace racelab {

struct ProgramTraits {
  std::string path;     // resolved: absolute or relative to the working directory
  bool is_elf = false;  // false for a script started through its #! line
  bool tsan = false;    // built with ThreadSanitizer (__tsan_init referenced)
  bool asan = false;    // built with AddressSanitizer (__asan_init referenced)
  // LD_PRELOAD reaches its pthread calls: dynamically linked, and it does
  // not define pthread_mutex_lock itself (clang links its sanitizer
  // runtimes, interceptors included, into the executable, and the
  // executable's own definitions win over a preloaded library's).
  bool preload_reaches_locks = false;
  bool static_executable = false;  // no interpreter (PT_INTERP): nothing is preloaded
  std::string why_no_preload;      // when !preload_reaches_locks, and is_elf
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_MODEL_PROGRAM_TRAITS_H_
