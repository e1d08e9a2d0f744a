// The bytes of one lock-order record file, appended through a shared
// mapping of the file: a line is in the kernel's page cache the moment it
// is copied, so a process killed by any signal (SIGKILL, a crash, the
// watchdog) leaves every line it appended in the file, with no write(2)
// per line and none per batch.
//
// The file grows ahead of the lines in steps (fallocate), so between steps
// it ends in zero bytes; Trim() cuts them (at exit, exec, fork, abort and
// the wait dump). A process that died between leaves them, and may leave
// one line unfinished before them: the reader drops both
// (record_file.h: CompleteRecordText).
//
// Two kinds of writer share the file: the checker, under its lock (Append,
// Trim), and the wait dump's signal handler, from any thread and with no
// lock (AppendFromSignalHandler: pwrite at a reserved offset, never the
// mapping, so it cannot fault past the file's end). Offsets are reserved
// from one atomic counter, so lines never overlap.
#ifndef RACELAB_HARNESS_LOCKORDER_MAPPED_RECORD_FILE_H_
#define RACELAB_HARNESS_LOCKORDER_MAPPED_RECORD_FILE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace racelab::lockorder {

// Moves `fd` to a high, close-on-exec descriptor number (near the smaller of
// RLIMIT_NOFILE and 1024), out of the way of a program that opens files or
// dup2()s onto low numbers; returns the new number (or `fd` when it cannot).
int MoveToHighDescriptor(int fd);

class MappedRecordFile {
 public:
  // Takes ownership of `fd` (opened O_RDWR without O_APPEND, empty) on the
  // file at `path`, opened again there when the program takes the
  // descriptor away ("" = never: records stop). A file that cannot be mapped
  // (not a regular file, no address space) is written with pwrite, or
  // write for one that cannot seek (/dev/null, a pipe).
  MappedRecordFile(int fd, std::string path);
  ~MappedRecordFile();
  MappedRecordFile(const MappedRecordFile&) = delete;
  MappedRecordFile& operator=(const MappedRecordFile&) = delete;

  // Appends `size` bytes, a whole line (its last byte is written last). The
  // caller serialises Append and Trim (the checker's lock).
  void Append(const char* data, std::size_t size);
  // Cuts the zero bytes grown ahead; unless `keep_growing`, every later
  // Append is written exactly (pwrite), so the file never ends in zeros
  // again (after exit has begun). Serialised with Append by the caller;
  // async-signal-safe.
  void Trim(bool keep_growing = true);
  // In a child forked from the owner, which never writes here: gives the
  // mapping back (the descriptor is the caller's to close).
  void ForgetInChild();
  // Appends from a signal handler, in any thread, with no lock held.
  // Async-signal-safe.
  void AppendFromSignalHandler(const char* data, std::size_t size);

  // The descriptor the file is reached by, checked (device and inode) and
  // opened again as above; -1 when the file cannot be reached.
  // Async-signal-safe (fstat, open, fcntl, close).
  int ValidFd();

 private:
  enum class Mode { kMapped, kPositioned, kStream };
  static constexpr std::size_t kGrowthStep = 256 * 1024;
  bool Grow(std::uint64_t end);
  void WriteAt(const char* data, std::size_t size, std::uint64_t offset);
  const int owner_pid_;  // the process whose file this is
  // Trim and growth by ftruncate exclude the signal handler's pwrite (see
  // Trim): each announces itself, then looks for the other.
  std::atomic<int> trimming_{0};
  std::atomic<int> dumping_{0};

  std::atomic<Mode> mode_{Mode::kMapped};
  std::atomic<std::uint64_t> end_{0};  // bytes reserved so far
  std::uint64_t allocated_ = 0;        // the file's size the mapping may touch
  char* base_ = nullptr;
  std::size_t reserved_ = 0;  // bytes of address space mapped at base_

  std::atomic<int> fd_;
  const std::string path_;
  std::atomic<std::uint64_t> device_{0};
  std::atomic<std::uint64_t> inode_{0};
};

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_MAPPED_RECORD_FILE_H_
