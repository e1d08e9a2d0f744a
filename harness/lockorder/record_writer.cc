// Writing lock-order record files (see record_writer.h).
#include "harness/lockorder/record_writer.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/lockorder/record_file.h"

namespace racelab::lockorder {
namespace {

std::string SiteField(SiteId site) { return site == kNoSite ? "-" : absl::StrCat(site); }

std::string HeldSetField(HeldSetId set) { return set == kNoHeldSet ? "-" : absl::StrCat("@", set); }

std::string IdList(const std::vector<LockId>& ids) {
  return ids.empty() ? "-" : absl::StrJoin(ids, ",");
}

std::string SelfExecutable() {
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "?";
}

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

int CreateRecordFile(const char* prefix, std::string& path) {
  const std::string base = absl::StrCat(prefix, ".", ::getpid(), ".");
  for (int image = 0; image < 1000; ++image) {
    std::string candidate = absl::StrCat(base, image);
    const int fd =
        ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      path = std::move(candidate);
      return MoveToHighDescriptor(fd);
    }
    if (errno != EEXIST) return -1;
  }
  return -1;
}

RecordFileWriter::RecordFileWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
  struct stat status;
  if (fd >= 0 && ::fstat(fd, &status) == 0) {
    device_.store(status.st_dev, std::memory_order_relaxed);
    inode_.store(status.st_ino, std::memory_order_relaxed);
  }
  WriteLine(kRecordFileHeader);
  WriteLine(absl::StrCat("process ", ::getpid(), " ", SelfExecutable()));
  Flush();
}

RecordFileWriter::~RecordFileWriter() {
  Flush();
  const int fd = ValidFd();
  if (fd >= 0) ::close(fd);
}

int RecordFileWriter::ValidFd() {
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
  const int reopened = MoveToHighDescriptor(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  if (reopened < 0 || ::fstat(reopened, &status) != 0 ||
      status.st_dev != device_.load(std::memory_order_relaxed) ||
      status.st_ino != inode_.load(std::memory_order_relaxed)) {
    if (reopened >= 0) ::close(reopened);  // not our file any more (replaced): records stop
    return -1;
  }
  fd_.store(reopened, std::memory_order_release);
  return reopened;
}

void RecordFileWriter::WriteLine(absl::string_view line) { AppendLine(line); }

template <typename... Pieces>
void RecordFileWriter::AppendLine(const Pieces&... pieces) {
  absl::StrAppend(&pending_, pieces..., "\n");  // no string of its own: one allocation less a line
  if (pending_.size() >= kBatchBytes || write_through_.load(std::memory_order_relaxed)) Flush();
}

void RecordFileWriter::Flush() {
  if (pending_.empty()) return;
  const int fd = ValidFd();
  size_t written = 0;
  while (fd >= 0 && written < pending_.size()) {
    const ssize_t n = ::write(fd, pending_.data() + written, pending_.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // nowhere to report it from inside a lock hook
    written += static_cast<size_t>(n);
  }
  pending_.clear();
}

int RecordFileWriter::ModuleOf(std::uintptr_t pc, std::uintptr_t& offset) {
  int object_id = 0;
  const LoadedObjects::Object* object = loaded_objects_.Find(pc, offset, object_id);
  if (object == nullptr) {
    offset = pc;
    return -1;
  }
  auto found = module_by_object_.find(object_id);
  if (found != module_by_object_.end()) return found->second;
  const int module = static_cast<int>(module_by_object_.size());
  module_by_object_.emplace(object_id, module);
  // The loader names the main program "": use its path.
  WriteLine(
      absl::StrCat("module ", module, " ", object->path.empty() ? SelfExecutable() : object->path));
  return module;
}

void RecordFileWriter::OnThread(std::uint32_t thread, std::int64_t os_tid) {
  WriteLine(absl::StrCat("thread ", thread, " ", os_tid));
  Flush();  // the wait dump, written from a signal handler, names threads
}

void RecordFileWriter::OnSite(SiteId id, const Site& site) {
  std::string line = absl::StrCat("site ", id);
  for (int i = 0; i < site.depth; ++i) {
    std::uintptr_t offset = 0;
    const int module = ModuleOf(site.pcs[i], offset);
    if (module < 0) break;  // not in any loaded object: the walk went astray
    absl::StrAppend(&line, " ", module, "+0x", absl::Hex(offset));
  }
  WriteLine(line);
}

void RecordFileWriter::OnLock(const LockRecord& lock) {
  std::uintptr_t offset = 0;
  const int module = IsNamedByVariable(lock.kind) ? ModuleOf(lock.address, offset) : -1;
  if (module < 0) {
    AppendLine("lock ", lock.id, " ", LockKindName(lock.kind), " 0x", absl::Hex(lock.address), " ",
               SiteField(lock.first_site));
  } else {  // where its variable lies, to name it
    AppendLine("lock ", lock.id, " ", LockKindName(lock.kind), " 0x", absl::Hex(lock.address), " ",
               SiteField(lock.first_site), " ", module, "+0x", absl::Hex(offset));
  }
}

void RecordFileWriter::OnEdge(const Edge& edge) {
  if (edge.witness.held_set != kNoHeldSet) {
    AppendLine("edge ", edge.from, " ", edge.to, " ", edge.witness.thread, " ",
               SiteField(edge.witness.held_site), " ", SiteField(edge.witness.requested_site), " @",
               edge.witness.held_set);
  } else {
    AppendLine("edge ", edge.from, " ", edge.to, " ", edge.witness.thread, " ",
               SiteField(edge.witness.held_site), " ", SiteField(edge.witness.requested_site), " ",
               IdList(edge.witness.held));
  }
}

void RecordFileWriter::OnEdgeRetaken(const Edge& edge) {
  AppendLine("retaken ", edge.from, " ", edge.to, " ", edge.witness.thread, " ",
             SiteField(edge.witness.held_site), " ", SiteField(edge.witness.requested_site), " @",
             edge.witness.held_set, " ", HeldSetField(edge.guard));
}

void RecordFileWriter::OnHeldSet(HeldSetId id, HeldSetId parent, LockId lock) {
  if (parent == kNoHeldSet) {
    AppendLine("held ", id, " - ", lock);
  } else {
    AppendLine("held ", id, " ", parent, " ", lock);
  }
}

void RecordFileWriter::OnInversion(const InversionRecord& inversion) {
  WriteLine(absl::StrCat("inversion ", inversion.thread, " ", IdList(inversion.cycle), " ",
                         IdList(inversion.gate_locks)));
  Flush();  // findings are written at once
}

void RecordFileWriter::OnSelfDeadlock(const SelfDeadlockRecord& record) {
  WriteLine(absl::StrCat("self-deadlock ", record.thread, " ", record.lock, " ",
                         SiteField(record.held_site), " ", SiteField(record.requested_site), " ",
                         record.shared_held ? 1 : 0));
  Flush();
}

void RecordFileWriter::OnMisuse(const MisuseRecord& misuse) {
  WriteLine(absl::StrCat("misuse ", misuse.thread, " ", misuse.lock, " ", SiteField(misuse.site),
                         " ", MisuseKindName(misuse.kind), " ", misuse.owner,
                         misuse.other != 0 ? absl::StrCat(" ", misuse.other) : ""));
  Flush();
}

void RecordFileWriter::OnWaitCycle(const WaitCycleRecord& cycle) {
  std::string line = absl::StrCat(cycle.livelock ? "livelock " : "deadlock ", cycle.steps.size());
  for (const WaitCycleRecord::Step& step : cycle.steps) {
    absl::StrAppend(&line, " ", step.thread, " ",
                    step.how == WaitHow::kJoin ? std::string("-") : absl::StrCat(step.lock), " ",
                    WaitHowName(step.how), " ", SiteField(step.waiting_site), " ",
                    SiteField(step.held_site));
  }
  WriteLine(line);
  Flush();
}

}  // namespace racelab::lockorder
