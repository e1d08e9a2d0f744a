// The signal that asks a process running racelab's lock hooks to dump its
// wait-for state (which thread waits on which lock, and who holds it) into
// its lock-order record file, as `wait` lines closed by `wait-end`. The
// watchdog sends it before it kills a hung run. Any thread.
#ifndef RACELAB_HARNESS_LOCKORDER_WAIT_DUMP_H_
#define RACELAB_HARNESS_LOCKORDER_WAIT_DUMP_H_

#include <signal.h>

namespace racelab::lockorder {

// A real-time signal, so that it cannot be confused with one the program
// uses for itself by convention (SIGUSR1/2).
inline int WaitDumpSignal() { return SIGRTMIN + 5; }

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_WAIT_DUMP_H_
