// Control of the pthread hooks in interpose.cc, for programs that link them
// (the `racelab` binary, benchmarks). Normally the hooks decide once, at the
// first lock call, from RACELAB_LOCKORDER_FILE.
#ifndef RACELAB_HARNESS_LOCKORDER_HOOKS_H_
#define RACELAB_HARNESS_LOCKORDER_HOOKS_H_

namespace racelab::lockorder {

// Turns checking on or off for the whole process; when first turned on
// without RACELAB_LOCKORDER_FILE, records go to /dev/null. Call only while
// no other thread takes locks (between benchmark runs, say).
void SetLockOrderChecking(bool on);

// Leaves the record file tidy (RecordSink::Flush: the records are in it
// already, the zero bytes it was grown ahead by are cut), for the calls
// after which a process keeps nothing of its memory: exit, _exit, exec,
// abort (flush_points.cc), fork and the wait dump. Safe in a signal
// handler; false when the checker's lock stayed taken (see
// LockOrderChecker::TryFlushRecords). With `write_through`, the file is
// never grown ahead again. True when no checker runs.
bool FlushKeptRecords(bool write_through);

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_HOOKS_H_
