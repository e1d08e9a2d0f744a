// What racelab can tell about a program before running it in black-box mode:
// whether it can be started at all (found, executable, built for this
// machine) and which detectors apply to it (a ThreadSanitizer or
// AddressSanitizer build; a dynamically linked program the lock-order
// preload library can reach). Reads the file only; runs nothing. Any thread.
#ifndef RACELAB_HARNESS_RUNNER_PROGRAM_INSPECTION_H_
#define RACELAB_HARNESS_RUNNER_PROGRAM_INSPECTION_H_

#include <string>

#include "absl/status/statusor.h"

namespace racelab {

struct ProgramTraits {
  std::string path;         // resolved: absolute or relative to the working directory
  bool is_elf = false;      // false for a script started through its #! line
  bool tsan = false;        // built with ThreadSanitizer (__tsan_init referenced)
  bool asan = false;        // built with AddressSanitizer (__asan_init referenced)
  // LD_PRELOAD reaches its pthread calls: dynamically linked, and it does
  // not define pthread_mutex_lock itself (clang links its sanitizer
  // runtimes, interceptors included, into the executable, and the
  // executable's own definitions win over a preloaded library's).
  bool preload_reaches_locks = false;
  std::string why_no_preload;  // when !preload_reaches_locks, and is_elf
};

// Resolves `program` (through PATH when it has no '/') and inspects it.
// NotFound: no such file; PermissionDenied: not an executable regular file;
// FailedPrecondition: an ELF file for another architecture or class, or a
// broken ELF file. Scripts (not ELF) are accepted: the kernel decides.
absl::StatusOr<ProgramTraits> InspectProgram(const std::string& program);

}  // namespace racelab

#endif  // RACELAB_HARNESS_RUNNER_PROGRAM_INSPECTION_H_
