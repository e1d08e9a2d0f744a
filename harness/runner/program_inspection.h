// What racelab can tell about a program before running it in black-box mode:
// whether it can be started at all (found, executable, built for this
// machine) and which detectors apply to it (a ThreadSanitizer or
// AddressSanitizer build; a dynamically linked program the lock-order
// preload library can reach). Reads the file only; runs nothing. Any thread.
#ifndef RACELAB_HARNESS_RUNNER_PROGRAM_INSPECTION_H_
#define RACELAB_HARNESS_RUNNER_PROGRAM_INSPECTION_H_

#include <string>

#include "absl/status/statusor.h"
#include "harness/model/program_traits.h"

namespace racelab {

// Resolves `program` (through PATH when it has no '/') and inspects it.
// NotFound: no such file; PermissionDenied: not an executable regular file;
// FailedPrecondition: an ELF file for another architecture or class, or a
// broken ELF file. Scripts (not ELF) are accepted: the kernel decides.
absl::StatusOr<ProgramTraits> InspectProgram(const std::string& program);

}  // namespace racelab

#endif  // RACELAB_HARNESS_RUNNER_PROGRAM_INSPECTION_H_
