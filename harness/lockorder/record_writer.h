// Writing a lock-order record file (the format: record_file.h), from inside
// the program the checker runs in: creating this process image's own file,
// and RecordFileWriter, the checker's RecordSink, which keeps lines back and
// writes them in batches to a descriptor the program may take away.
#ifndef RACELAB_HARNESS_LOCKORDER_RECORD_WRITER_H_
#define RACELAB_HARNESS_LOCKORDER_RECORD_WRITER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "harness/lockorder/loaded_objects.h"
#include "harness/lockorder/records.h"

namespace racelab::lockorder {

// Creates this process image's own record file, `<prefix>.<pid>.<n>` with
// the first n that does not exist yet (O_EXCL): an image that replaced
// itself with exec, or a child forked without exec, never appends to another
// image's file. The descriptor is close-on-exec and moved high (see
// MoveToHighDescriptor). Returns the descriptor and sets `path`, or -1.
int CreateRecordFile(const char* prefix, std::string& path);

// Moves `fd` to a high, close-on-exec descriptor number (near the smaller of
// RLIMIT_NOFILE and 1024), out of the way of a program that opens files or
// dup2()s onto low numbers; returns the new number (or `fd` when it cannot).
int MoveToHighDescriptor(int fd);

// A RecordSink that appends the records to a file descriptor, one write(2)
// per line. Sites are resolved to module+offset as they arrive
// (loaded_objects.h).
// Not thread-safe on its own: the checker calls it under its lock.
//
// The program owns every descriptor and may close or reuse racelab's
// (close_range, closefrom, dup2 over it). So the descriptor's identity
// (device and inode) is checked before each write: when it no longer names
// the record file, the descriptor is left to the program (never written or
// closed) and the file is opened again by its path.
class RecordFileWriter : public RecordSink {
 public:
  // Takes ownership of `fd` (opened O_APPEND) on the file at `path`, reopened
  // there when the program takes the descriptor away ("" = never reopened:
  // records stop). Writes the header and the process line at once.
  explicit RecordFileWriter(int fd, std::string path = "");
  ~RecordFileWriter() override;

  void OnThread(std::uint32_t thread, std::int64_t os_tid) override;
  void OnSite(SiteId id, const Site& site) override;
  void OnLock(const LockRecord& lock) override;
  void OnEdge(const Edge& edge) override;
  void OnEdgeRetaken(const Edge& edge) override;
  void OnInversion(const InversionRecord& inversion) override;
  void OnSelfDeadlock(const SelfDeadlockRecord& self_deadlock) override;
  void OnMisuse(const MisuseRecord& misuse) override;
  void OnWaitCycle(const WaitCycleRecord& cycle) override;
  void OnHeldSet(HeldSetId id, HeldSetId parent, LockId lock) override;
  // Lines are kept back and written kBatchBytes at a time (one fstat and
  // one write for many records); a finding or a thread line is written at
  // once, with everything before it. What a process killed outright had
  // kept back is lost: the hooks flush at exit, _exit, exec, fork, abort
  // and the wait dump.
  void Flush() override;
  void WriteThrough() override { write_through_.store(true, std::memory_order_relaxed); }

  // The descriptor records go to, checked and reopened as above; -1 when the
  // file cannot be reached. Async-signal-safe (fstat, open, fcntl, close):
  // the wait-for dump writes from a signal handler with plain write(2).
  int ValidFd();

 private:
  static constexpr std::size_t kBatchBytes = 16 * 1024;
  void WriteLine(absl::string_view line);
  template <typename... Pieces>
  void AppendLine(const Pieces&... pieces);  // the pieces and '\n', as absl::StrAppend
  int ModuleOf(std::uintptr_t pc, std::uintptr_t& offset);

  std::string pending_;
  std::atomic<bool> write_through_{false};

  std::atomic<int> fd_;
  const std::string path_;
  std::atomic<std::uint64_t> device_{0};
  std::atomic<std::uint64_t> inode_{0};
  LoadedObjects loaded_objects_;
  std::map<int, int> module_by_object_;  // LoadedObjects id -> module number in the file
};

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_RECORD_WRITER_H_
