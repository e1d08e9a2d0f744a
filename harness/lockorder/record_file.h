// The lock-order record file, format version 3, and its reader: what one
// process's checker learned, one record per line. Lines are appended
// through a shared mapping (RecordFileWriter, record_writer.h), so a
// process killed at any moment leaves every line it finished, then possibly
// one it had not and zero bytes: the reader drops those. The runner and
// `racelab-lockorder report` read it back. Versions 2 (no `retaken`
// lines) and 1 (no `held` lines either; edges list their held ids) are read
// too.
//
//   racelab-lockorder/3
//   process <pid> <executable path>
//   module <m> <path>                     an ELF object the sites point into
//   thread <t> <os tid>                   racelab's thread number t ("T<t>")
//   site <s> <m>+0x<offset> ...           return addresses, innermost first
//   lock <id> <kind> 0x<address> <first-acquisition site>|- [<m>+0x<offset>]
//                                         kind: mutex|recursive|rwlock|static-init|once|spin|
//                                         stream (a stdio stream's flockfile lock)|
//                                         condition|semaphore|barrier|thread (no locks:
//                                         what a misuse names; a thread's first site is
//                                         where it was created);
//                                         written when a record first names the lock
//                                         (a lock only ever used alone has none); it may
//                                         appear twice, alike (see LockInfo::declared);
//                                         a hidden lock (version 3: a static-init guard,
//                                         a once control) with where its variable lies
//   held <h> <parent h|-> <lock>          held set h: its parent's locks, then `lock`
//   edge <from> <to> <t> <held site> <requested site> @<h>|<held ids,...|->
//                                         the locks held when `to` was requested: a
//                                         held set (each set is declared once, so a
//                                         chain of N locks costs N lines, not N^2 ids)
//   retaken <from> <to> <t> <held site> <requested site> @<h> @<g>|-
//                                         the edge from → to taken again holding
//                                         fewer of the locks every earlier acquisition
//                                         held: its witness from now on, and g, the
//                                         locks held at every acquisition (its guard)
//   inversion <t> <cycle ids,...> <gate ids,...|->
//                                         a cycle closed, with its gate locks (those in
//                                         every step's guard); a guarded cycle whose
//                                         gate a `retaken` edge took away comes again
//                                         with none
//   self-deadlock <t> <lock> <held site> <requested site> <0|1: held shared>
//   misuse <t> <lock> <site> <kind> <owner t|0> [<other lock>|<earlier site>]
//                                         kind: unlock-not-owner|unlock-unlocked|wait-not-held|
//                                         relock-failed|destroy-locked|use-destroyed|
//                                         exit-holding|wait-two-mutexes|destroy-waited|
//                                         post-overflow|reinit-waited|joined-twice|
//                                         join-detached|detached-twice|detach-joined; the
//                                         other lock (wait-two-mutexes): the mutex the
//                                         condition's other waiters use; the earlier site
//                                         (the four thread misuses, whose lock is a
//                                         thread): where its end was first claimed
//   deadlock|livelock <steps> (<t> <lock|-> lock|condition|retry|join <waiting site>
//   <held site>)...
//                                         a wait-for cycle, recorded when it closed: each
//                                         step's lock is held by the next step's thread
//   wait <t> <lock> mutex|condition <owner t|0> [<site>|- [<readers>]]
//                                         live state, dumped when the watchdog asks; the
//                                         site (of a condition wait) and the number of
//                                         threads holding the lock shared may be absent
//   wait-end <number of wait lines>               the dump is complete
//
// A site field is "-" when unknown. Ids are decimal. Lines may come in any
// order as long as every id is declared (module, thread, site, lock, held
// set) before a line uses it.
#ifndef RACELAB_HARNESS_LOCKORDER_RECORD_FILE_H_
#define RACELAB_HARNESS_LOCKORDER_RECORD_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "harness/lockorder/records.h"

namespace racelab::lockorder {

inline constexpr char kRecordFileHeader[] = "racelab-lockorder/3";
inline constexpr char kRecordFileHeaderVersion2[] = "racelab-lockorder/2";
inline constexpr char kRecordFileHeaderVersion1[] = "racelab-lockorder/1";

// One frame of a recorded site: an offset into a module.
struct ModuleOffset {
  int module = 0;
  std::uintptr_t offset = 0;
};

// A whole record file, parsed.
struct Recording {
  std::string path;  // the file it came from
  std::int64_t pid = 0;
  std::string executable;
  // Ordered by id (B-trees: a million locks parse without a node each).
  absl::btree_map<int, std::string> modules;
  absl::btree_map<std::uint32_t, std::int64_t> threads;  // racelab thread → OS tid
  absl::btree_map<SiteId, std::vector<ModuleOffset>> sites;
  absl::btree_map<LockId, LockRecord> locks;
  // Where a hidden lock's own variable lies (a static's guard, a once
  // control), to name it.
  absl::btree_map<LockId, ModuleOffset> lock_objects;
  // Held sets by id: the parent set (kNoHeldSet: none) and the lock added.
  absl::btree_map<HeldSetId, std::pair<HeldSetId, LockId>> held_sets;
  // The held lists of edge lines that spell them out (version 1).
  std::vector<std::vector<LockId>> held_lists;
  std::vector<Edge> edges;  // one per pair of locks; `retaken` lines applied
  // The locks an edge's witness names as held, oldest first: its held set's
  // (version 2), or its `held` list (version 1).
  std::vector<LockId> HeldLocks(const EdgeWitness& witness) const;
  // The locks held at every acquisition of the edge (see Edge::guard).
  std::vector<LockId> GuardLocks(const Edge& edge) const;
  std::vector<InversionRecord> inversions;
  std::vector<SelfDeadlockRecord> self_deadlocks;
  std::vector<MisuseRecord> misuses;
  std::vector<WaitCycleRecord> wait_cycles;
  // The wait-for state dumped at the watchdog's request (the last dump).
  struct Wait {
    std::uint32_t thread = 0;
    LockId lock = 0;
    bool condition = false;     // waiting on a condition variable with `lock`
    std::uint32_t owner = 0;    // thread holding `lock` exclusively; 0 = none
    SiteId site = kNoSite;      // where a condition wait waits; kNoSite = unknown
    std::uint32_t readers = 0;  // threads holding `lock` shared (a rwlock's readers)
  };
  std::vector<Wait> waits;
  bool wait_dump_complete = false;
};

// Parses a record file's text. Returns InvalidArgument "<path>:<line>: what
// was wrong" for a foreign, corrupt or truncated file (including an
// unterminated last line and a reference to an undeclared id).
absl::StatusOr<Recording> ParseRecording(absl::string_view text, const std::string& path);

// What a process that died while writing left (see mapped_record_file.h):
// its file grown ahead in zero bytes, and lines it had not finished (a
// line's newline is written last, so a line with zeros before its end was
// not). Returns the complete lines; after the last one, text with no zeros
// in it is kept (a file cut short, which the parser refuses).
std::string CompleteRecordText(absl::string_view text);

// Reads and parses a file; NotFound / PermissionDenied when it cannot be read.
absl::StatusOr<Recording> ReadRecording(const std::string& path);

// How the record file spells each kind (the writer writes these, the
// reader expects them). Inline: the preload library writes records but
// never reads one, so it does not link the reader.
inline absl::string_view LockKindName(LockKind kind) {
  switch (kind) {
    case LockKind::kMutex:
      return "mutex";
    case LockKind::kRecursiveMutex:
      return "recursive";
    case LockKind::kRwLock:
      return "rwlock";
    case LockKind::kStaticInit:
      return "static-init";
    case LockKind::kOnce:
      return "once";
    case LockKind::kSpin:
      return "spin";
    case LockKind::kCondition:
      return "condition";
    case LockKind::kSemaphore:
      return "semaphore";
    case LockKind::kBarrier:
      return "barrier";
    case LockKind::kStream:
      return "stream";
    case LockKind::kThread:
      return "thread";
  }
  return "?";
}

inline absl::string_view WaitHowName(WaitHow how) {
  switch (how) {
    case WaitHow::kLock:
      return "lock";
    case WaitHow::kCondition:
      return "condition";
    case WaitHow::kRetry:
      return "retry";
    case WaitHow::kJoin:
      return "join";
  }
  return "?";
}

inline absl::string_view MisuseKindName(MisuseKind kind) {
  switch (kind) {
    case MisuseKind::kUnlockNotOwner:
      return "unlock-not-owner";
    case MisuseKind::kUnlockUnlocked:
      return "unlock-unlocked";
    case MisuseKind::kWaitNotHeld:
      return "wait-not-held";
    case MisuseKind::kRelockFailed:
      return "relock-failed";
    case MisuseKind::kDestroyLocked:
      return "destroy-locked";
    case MisuseKind::kUseDestroyed:
      return "use-destroyed";
    case MisuseKind::kExitHolding:
      return "exit-holding";
    case MisuseKind::kWaitTwoMutexes:
      return "wait-two-mutexes";
    case MisuseKind::kDestroyWaited:
      return "destroy-waited";
    case MisuseKind::kPostOverflow:
      return "post-overflow";
    case MisuseKind::kReinitWaited:
      return "reinit-waited";
    case MisuseKind::kJoinedTwice:
      return "joined-twice";
    case MisuseKind::kJoinDetached:
      return "join-detached";
    case MisuseKind::kDetachedTwice:
      return "detached-twice";
    case MisuseKind::kDetachJoined:
      return "detach-joined";
  }
  return "?";
}

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_RECORD_FILE_H_
