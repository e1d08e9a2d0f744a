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


}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_HOOKS_H_
