// The lock-order checker's contract with whoever runs a program under it
// (racelab's runner, or a user's own LD_PRELOAD): the environment variables
// the hooks read and the signal that asks a process for its wait-for dump.
// What the checker writes back is the record file (record_file.h). Nothing
// here needs the checker itself.
#ifndef RACELAB_HARNESS_LOCKORDER_PROTOCOL_H_
#define RACELAB_HARNESS_LOCKORDER_PROTOCOL_H_

#include <signal.h>

namespace racelab::lockorder {

// A record file prefix: each process image writes `<prefix>.<pid>.<n>`.
// Unset, the hooks check nothing.
inline constexpr char kRecordFileVariable[] = "RACELAB_LOCKORDER_FILE";
// "1": the process aborts right after recording its first unguarded cycle.
inline constexpr char kAbortVariable[] = "RACELAB_LOCKORDER_ABORT";

// Asks a process for its wait-for dump (`wait` lines, then `wait-end`). A
// real-time signal, so that it cannot be confused with one the program
// uses for itself by convention (SIGUSR1/2).
inline int WaitDumpSignal() { return SIGRTMIN + 5; }

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_PROTOCOL_H_
