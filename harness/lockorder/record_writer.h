// Writing a lock-order record file (the format: record_file.h), from inside
// the program the checker runs in: creating this process image's own file,
// and RecordFileWriter, the checker's RecordSink, which formats each record
// as a line and appends it through the file's shared mapping
// (mapped_record_file.h): nothing is kept back, so nothing is lost when the
// process dies.
#ifndef RACELAB_HARNESS_LOCKORDER_RECORD_WRITER_H_
#define RACELAB_HARNESS_LOCKORDER_RECORD_WRITER_H_

#include <unistd.h>

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "harness/lockorder/loaded_objects.h"
#include "harness/lockorder/mapped_record_file.h"
#include "harness/lockorder/records.h"

namespace racelab::lockorder {

// Creates this process image's own record file, `<prefix>.<pid>.<n>` with
// the first n that does not exist yet (O_EXCL): an image that replaced
// itself with exec, or a child forked without exec, never appends to another
// image's file. The descriptor is read-write (to map the file), close-on-exec
// and moved high (see MoveToHighDescriptor). Returns the descriptor and
// sets `path`, or -1.
int CreateRecordFile(const char* prefix, std::string& path);

// A RecordSink that appends the records to a record file, one line each.
// Sites are resolved to module+offset as they arrive (loaded_objects.h).
// Not thread-safe on its own: the checker calls it under its lock.
//
// The program owns every descriptor and may close or reuse racelab's
// (close_range, closefrom, dup2 over it): the file is reached through its
// mapping, and by a descriptor only to grow it, checked and opened again by
// its path first (MappedRecordFile::ValidFd).
class RecordFileWriter : public RecordSink {
 public:
  // Takes ownership of `fd` (read-write, see MappedRecordFile) on the file
  // at `path`, opened again there when the program takes the descriptor
  // away ("" = never: records stop). Writes the header and the process line.
  explicit RecordFileWriter(int fd, std::string path = "");

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
  // Nothing is kept back: Flush cuts the zero bytes the file was grown
  // ahead by (at exit, exec, fork, abort and the wait dump), and after
  // WriteThrough (exit has begun) it is never grown ahead again.
  void Flush() override { file_.Trim(); }
  void WriteThrough() override { file_.Trim(/*keep_growing=*/false); }

  // The descriptor the file is reached by (see MappedRecordFile::ValidFd).
  int ValidFd() { return file_.ValidFd(); }
  // In a child forked without exec: the parent's file is left to the parent
  // (its mapping given back, its descriptor closed).
  void ForgetInChild() {
    file_.ForgetInChild();
    const int fd = file_.ValidFd();
    if (fd >= 0) ::close(fd);
  }
  // A line from the wait dump's signal handler (async-signal-safe).
  void AppendFromSignalHandler(const char* line, std::size_t size) {
    file_.AppendFromSignalHandler(line, size);
  }

 private:
  void WriteLine(absl::string_view line);
  template <typename... Pieces>
  void AppendLine(const Pieces&... pieces);  // the pieces and '\n', as absl::StrAppend
  int ModuleOf(std::uintptr_t pc, std::uintptr_t& offset);

  MappedRecordFile file_;
  std::string line_;  // the line being formatted
  LoadedObjects loaded_objects_;
  std::map<int, int> module_by_object_;  // LoadedObjects id -> module number in the file
};

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_RECORD_WRITER_H_
