// Appending to a record file through a shared mapping (see
// mapped_record_file.h).
#include "harness/lockorder/mapped_record_file.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace racelab::lockorder {
namespace {

// Address space tried for the mapping, largest first (a process may run
// under an address-space limit). Nothing is committed until written.
constexpr std::size_t kReservations[] = {std::size_t{8} << 30, std::size_t{1} << 30,
                                         std::size_t{64} << 20};

// The raw system calls: a sanitizer's mmap interceptor would take the
// whole reservation as the program's memory (ThreadSanitizer clears its
// shadow, gigabytes of it).
// Every argument is a long: syscall() reads six of them through varargs,
// and an int leaves the upper half of its register undefined (clang's code
// left garbage there, and the file was mapped from offset 0x3fff << 48).
void* MapShared(int fd, std::size_t size) {
  const long address =
      ::syscall(SYS_mmap, 0L, static_cast<long>(size), long{PROT_READ | PROT_WRITE},
                long{MAP_SHARED}, static_cast<long>(fd), 0L);
  return address < 0 && address > -4096 ? nullptr : reinterpret_cast<void*>(address);
}

void Unmap(void* address, std::size_t size) {
  ::syscall(SYS_munmap, reinterpret_cast<long>(address), static_cast<long>(size));
}

#ifdef MADV_POPULATE_WRITE
constexpr int kPopulateWrite = MADV_POPULATE_WRITE;
#else
constexpr int kPopulateWrite = 23;  // Linux 5.14's value; glibc 2.36's headers lack it
#endif

}  // namespace

int MoveToHighDescriptor(int fd) {
  if (fd < 0) return fd;
  struct rlimit limit {};
  rlim_t ceiling = 1024;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < ceiling) ceiling = limit.rlim_cur;
  // A little below the ceiling: the kernel grows a process's descriptor
  // table to the highest number in use, so no higher than needed.
  const int floor = ceiling > 64 ? static_cast<int>(ceiling) - 24 : 3;
  if (fd >= floor) return fd;
  const int high = ::fcntl(fd, F_DUPFD_CLOEXEC, floor);
  if (high < 0) return fd;
  ::close(fd);
  return high;
}

MappedRecordFile::MappedRecordFile(int fd, std::string path)
    : owner_pid_(::getpid()), fd_(fd), path_(std::move(path)) {
  struct stat status;
  if (fd < 0 || ::fstat(fd, &status) != 0) {
    mode_.store(Mode::kStream, std::memory_order_relaxed);
    return;
  }
  device_.store(status.st_dev, std::memory_order_relaxed);
  inode_.store(status.st_ino, std::memory_order_relaxed);
  if (!S_ISREG(status.st_mode)) {
    const bool seekable = ::lseek(fd, 0, SEEK_CUR) >= 0;
    mode_.store(seekable ? Mode::kPositioned : Mode::kStream, std::memory_order_relaxed);
    return;
  }
  end_.store(static_cast<std::uint64_t>(status.st_size), std::memory_order_relaxed);
  allocated_ = static_cast<std::uint64_t>(status.st_size);
  for (const std::size_t size : kReservations) {
    if (void* base = MapShared(fd, size)) {
      base_ = static_cast<char*>(base);
      reserved_ = size;
      return;
    }
  }
  mode_.store(Mode::kPositioned, std::memory_order_relaxed);
}

MappedRecordFile::~MappedRecordFile() {
  Trim(/*keep_growing=*/false);
  if (base_ != nullptr) Unmap(base_, reserved_);
  const int fd = ValidFd();
  if (fd >= 0) ::close(fd);
}

void MappedRecordFile::Append(const char* data, std::size_t size) {
  // No getpid() here (a system call a line: 1.4 us on the project's VM).
  // fork() gives the child a file of its own (its handlers), vfork and
  // posix_spawn share this object, so only a child of a raw clone without
  // CLONE_VM could write here: it may call only async-signal-safe
  // functions, and taking locks is not one.
  if (size == 0) return;
  const std::uint64_t at = end_.fetch_add(size, std::memory_order_relaxed);
  if (mode_.load(std::memory_order_relaxed) == Mode::kMapped && at + size <= reserved_ &&
      (at + size <= allocated_ || Grow(at + size))) {
    // The line's last byte last: a reader that finds it finds the line
    // whole, even if the process died copying it.
    std::memcpy(base_ + at, data, size - 1);
    __atomic_store_n(base_ + at + size - 1, data[size - 1], __ATOMIC_RELEASE);
    return;
  }
  WriteAt(data, size, at);
}

bool MappedRecordFile::Grow(std::uint64_t end) {
  const std::uint64_t target = (end + kGrowthStep - 1) / kGrowthStep * kGrowthStep;
  const int fd = ValidFd();
  // fallocate only ever lengthens a file (ftruncate could cut the lines a
  // signal handler has just written past the end).
  if (fd >= 0 && ::fallocate(fd, 0, static_cast<off_t>(allocated_),
                             static_cast<off_t>(target - allocated_)) == 0) {
    // One system call to map the new pages writable, instead of a page
    // fault each under the checker's lock (Linux 5.14; older kernels refuse
    // the advice and fault page by page).
    ::madvise(base_ + allocated_, target - allocated_, kPopulateWrite);
    allocated_ = target;
    return true;
  }
  if (fd >= 0 && (errno == EOPNOTSUPP || errno == ENOSYS)) {
    mode_.store(Mode::kPositioned, std::memory_order_relaxed);  // a file system without it
  }
  return false;
}

void MappedRecordFile::Trim(bool keep_growing) {
  if (mode_.load(std::memory_order_relaxed) != Mode::kMapped || ::getpid() != owner_pid_) return;
  // The signal handler must not interrupt a trim in this thread (it would
  // wait for it for ever), and must not write past the end a trim in
  // another thread is about to set: each side announces itself, then looks
  // for the other (sequentially consistent), and a trim yields.
  sigset_t all;
  sigset_t before;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, &before);
  trimming_.store(1, std::memory_order_seq_cst);
  if (dumping_.load(std::memory_order_seq_cst) == 0) {
    const std::uint64_t end = end_.load(std::memory_order_seq_cst);
    const int fd = ValidFd();
    if (end < allocated_ && fd >= 0 && ::ftruncate(fd, static_cast<off_t>(end)) == 0) {
      allocated_ = end;
    }
    if (!keep_growing) mode_.store(Mode::kPositioned, std::memory_order_relaxed);
  }
  trimming_.store(0, std::memory_order_seq_cst);
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

void MappedRecordFile::ForgetInChild() {
  if (base_ != nullptr) Unmap(base_, reserved_);
  base_ = nullptr;
  reserved_ = 0;
}

void MappedRecordFile::AppendFromSignalHandler(const char* data, std::size_t size) {
  if (size == 0 || ::getpid() != owner_pid_) return;
  dumping_.fetch_add(1, std::memory_order_seq_cst);
  // A trim in another thread takes a few system calls; one that does not
  // end (its thread stopped) is not waited for long.
  for (int spins = 0; trimming_.load(std::memory_order_seq_cst) != 0 && spins < 100000; ++spins) {
    ::sched_yield();
  }
  const std::uint64_t at = end_.fetch_add(size, std::memory_order_seq_cst);
  WriteAt(data, size, at);
  dumping_.fetch_sub(1, std::memory_order_seq_cst);
}

void MappedRecordFile::WriteAt(const char* data, std::size_t size, std::uint64_t offset) {
  const int fd = ValidFd();
  const bool positioned = mode_.load(std::memory_order_relaxed) != Mode::kStream;
  std::size_t written = 0;
  while (fd >= 0 && written < size) {
    const ssize_t n = positioned ? ::pwrite(fd, data + written, size - written,
                                            static_cast<off_t>(offset + written))
                                 : ::write(fd, data + written, size - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // nowhere to report it from inside a lock hook
    written += static_cast<std::size_t>(n);
  }
}

int MappedRecordFile::ValidFd() {
  const int fd = fd_.load(std::memory_order_acquire);
  struct stat status;
  if (fd >= 0 && ::fstat(fd, &status) == 0 &&
      status.st_dev == device_.load(std::memory_order_relaxed) &&
      status.st_ino == inode_.load(std::memory_order_relaxed)) {
    return fd;
  }
  // Closed or reused by the program: the number is the program's now.
  fd_.store(-1, std::memory_order_release);
  if (path_.empty()) return -1;
  const int reopened = MoveToHighDescriptor(::open(path_.c_str(), O_RDWR | O_CLOEXEC));
  if (reopened < 0 || ::fstat(reopened, &status) != 0 ||
      status.st_dev != device_.load(std::memory_order_relaxed) ||
      status.st_ino != inode_.load(std::memory_order_relaxed)) {
    if (reopened >= 0) ::close(reopened);  // not our file any more (replaced): records stop
    return -1;
  }
  fd_.store(reopened, std::memory_order_release);
  return reopened;
}

}  // namespace racelab::lockorder
