// Writing and reading lock-order record files (see record_file.h).
#include "harness/lockorder/record_file.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace racelab::lockorder {
namespace {

std::string SiteField(SiteId site) { return site == kNoSite ? "-" : absl::StrCat(site); }

std::string IdList(const std::vector<LockId>& ids) {
  return ids.empty() ? "-" : absl::StrJoin(ids, ",");
}

std::string SelfExecutable() {
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "?";
}

// `text` with bytes that are not printable ASCII shown as \xNN, for error
// messages about binary junk.
std::string Printable(absl::string_view text) {
  std::string shown;
  for (const unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      shown.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&shown, "\\x", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return shown;
}

// Parses one line's fields, remembering where for error messages.
class LineParser {
 public:
  LineParser(const std::string& path, int line_number, absl::string_view line)
      : path_(path), line_number_(line_number), fields_(absl::StrSplit(line, ' ')) {}

  size_t size() const { return fields_.size(); }
  absl::string_view field(size_t i) const { return fields_[i]; }
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ":", line_number_, ": ", what));
  }
  template <typename Int>
  absl::Status Number(size_t i, Int& out) const {
    if (i >= fields_.size() || !absl::SimpleAtoi(fields_[i], &out)) {
      return Error(absl::StrCat("field ", i + 1, " of '", fields_[0], "' is not a number"));
    }
    return absl::OkStatus();
  }
  absl::Status Hex(absl::string_view text, std::uintptr_t& out) const {
    std::uint64_t value = 0;
    if (!absl::ConsumePrefix(&text, "0x") || !absl::SimpleHexAtoi(text, &value)) {
      return Error(absl::StrCat("'", text, "' is not a 0x address"));
    }
    out = static_cast<std::uintptr_t>(value);
    return absl::OkStatus();
  }
  absl::Status Ids(size_t i, std::vector<LockId>& out) const {
    out.clear();
    if (i >= fields_.size()) return Error("missing id list");
    if (fields_[i] == "-") return absl::OkStatus();
    for (absl::string_view id : absl::StrSplit(fields_[i], ',')) {
      LockId value = 0;
      if (!absl::SimpleAtoi(id, &value)) return Error(absl::StrCat("bad id '", id, "'"));
      out.push_back(value);
    }
    return absl::OkStatus();
  }
  // Everything after the first `skip` fields, spaces kept (paths).
  std::string Rest(absl::string_view line, size_t skip) const {
    size_t at = 0;
    for (size_t i = 0; i < skip && at != absl::string_view::npos; ++i) {
      at = line.find(' ', at);
      if (at != absl::string_view::npos) ++at;
    }
    return at == absl::string_view::npos ? "" : std::string(line.substr(at));
  }

 private:
  const std::string& path_;
  int line_number_;
  std::vector<absl::string_view> fields_;
};

#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    if (absl::Status s = (expr); !s.ok()) return s; \
  } while (false)

absl::Status ParseLine(const LineParser& p, absl::string_view line, Recording& out) {
  const absl::string_view type = p.field(0);
  auto site_ref = [&](size_t i, SiteId& site) -> absl::Status {
    if (i >= p.size()) return p.Error("missing site");
    if (p.field(i) == "-") {
      site = kNoSite;
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(p.Number(i, site));
    if (out.sites.count(site) == 0) return p.Error(absl::StrCat("site ", site, " is not declared"));
    return absl::OkStatus();
  };
  auto lock_ref = [&](size_t i, LockId& lock) -> absl::Status {
    RETURN_IF_ERROR(p.Number(i, lock));
    if (out.locks.count(lock) == 0) return p.Error(absl::StrCat("lock ", lock, " is not declared"));
    return absl::OkStatus();
  };
  auto declare = [&](absl::string_view what, auto id, size_t already) -> absl::Status {
    if (already != 0) return p.Error(absl::StrCat(what, " ", id, " is declared twice"));
    return absl::OkStatus();
  };
  auto thread_ref = [&](size_t i, std::uint32_t& thread) -> absl::Status {
    RETURN_IF_ERROR(p.Number(i, thread));
    if (out.threads.count(thread) == 0) {
      return p.Error(absl::StrCat("thread ", thread, " is not declared"));
    }
    return absl::OkStatus();
  };

  if (type == "process" && p.size() >= 3) {
    RETURN_IF_ERROR(p.Number(1, out.pid));
    out.executable = p.Rest(line, 2);
  } else if (type == "module" && p.size() >= 3) {
    int module = 0;
    RETURN_IF_ERROR(p.Number(1, module));
    RETURN_IF_ERROR(declare("module", module, out.modules.count(module)));
    out.modules[module] = p.Rest(line, 2);
  } else if (type == "thread" && p.size() == 3) {
    std::uint32_t thread = 0;
    std::int64_t tid = 0;
    RETURN_IF_ERROR(p.Number(1, thread));
    RETURN_IF_ERROR(p.Number(2, tid));
    RETURN_IF_ERROR(declare("thread", thread, out.threads.count(thread)));
    out.threads[thread] = tid;
  } else if (type == "site" && p.size() >= 2) {
    SiteId site = 0;
    RETURN_IF_ERROR(p.Number(1, site));
    if (site == kNoSite) return p.Error(absl::StrCat("site id ", site, " is reserved for 'no site'"));
    RETURN_IF_ERROR(declare("site", site, out.sites.count(site)));
    std::vector<ModuleOffset> frames;
    for (size_t i = 2; i < p.size(); ++i) {
      std::vector<absl::string_view> parts = absl::StrSplit(p.field(i), absl::MaxSplits('+', 1));
      ModuleOffset frame;
      if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &frame.module)) {
        return p.Error(absl::StrCat("bad frame '", p.field(i), "'"));
      }
      RETURN_IF_ERROR(p.Hex(parts[1], frame.offset));
      if (out.modules.count(frame.module) == 0) {
        return p.Error(absl::StrCat("module ", frame.module, " is not declared"));
      }
      frames.push_back(frame);
    }
    out.sites[site] = std::move(frames);
  } else if (type == "lock" && p.size() == 5) {
    LockRecord lock;
    RETURN_IF_ERROR(p.Number(1, lock.id));
    if (p.field(2) == "mutex") {
      lock.kind = LockKind::kMutex;
    } else if (p.field(2) == "recursive") {
      lock.kind = LockKind::kRecursiveMutex;
    } else if (p.field(2) == "rwlock") {
      lock.kind = LockKind::kRwLock;
    } else {
      return p.Error(absl::StrCat("unknown lock kind '", p.field(2), "'"));
    }
    RETURN_IF_ERROR(p.Hex(p.field(3), lock.address));
    RETURN_IF_ERROR(site_ref(4, lock.first_site));
    // A lock may be declared twice alike: by the wait dump, a signal
    // handler, and by the thread it interrupted (LockInfo::declared); the
    // dump may not know its site ("-"), the other line then gives it.
    auto known = out.locks.find(lock.id);
    if (known != out.locks.end()) {
      if (known->second.kind != lock.kind || known->second.address != lock.address ||
          (known->second.first_site != lock.first_site && known->second.first_site != kNoSite &&
           lock.first_site != kNoSite)) {
        return p.Error(absl::StrCat("lock ", lock.id, " is declared twice, differently"));
      }
      if (lock.first_site == kNoSite) lock.first_site = known->second.first_site;
    }
    out.locks[lock.id] = lock;
  } else if (type == "held" && p.size() == 4) {
    HeldSetId id = 0, parent = kNoHeldSet;
    LockId lock = 0;
    RETURN_IF_ERROR(p.Number(1, id));
    if (id == kNoHeldSet) return p.Error(absl::StrCat("held set id ", id, " is reserved"));
    RETURN_IF_ERROR(declare("held set", id, out.held_sets.count(id)));
    if (p.field(2) != "-") {
      RETURN_IF_ERROR(p.Number(2, parent));
      if (out.held_sets.count(parent) == 0) {
        return p.Error(absl::StrCat("held set ", parent, " is not declared"));
      }
    }
    RETURN_IF_ERROR(lock_ref(3, lock));
    out.held_sets[id] = {parent, lock};
  } else if (type == "edge" && p.size() == 7) {
    Edge edge;
    RETURN_IF_ERROR(lock_ref(1, edge.from));
    RETURN_IF_ERROR(lock_ref(2, edge.to));
    if (edge.from == edge.to) {
      return p.Error(absl::StrCat("edge from lock ", edge.from, " to itself (a re-lock is a "
                                  "'self-deadlock' record, never an edge)"));
    }
    RETURN_IF_ERROR(thread_ref(3, edge.witness.thread));
    RETURN_IF_ERROR(site_ref(4, edge.witness.held_site));
    RETURN_IF_ERROR(site_ref(5, edge.witness.requested_site));
    absl::string_view held = p.field(6);
    if (absl::ConsumePrefix(&held, "@")) {
      HeldSetId set = 0;
      if (!absl::SimpleAtoi(held, &set) || out.held_sets.count(set) == 0) {
        return p.Error(absl::StrCat("held set '", p.field(6), "' is not declared"));
      }
      edge.witness.held_set = set;  // its locks: Recording::HeldLocks
    } else {
      RETURN_IF_ERROR(p.Ids(6, edge.witness.held));
    }
    out.edges.push_back(std::move(edge));
  } else if (type == "inversion" && p.size() == 4) {
    InversionRecord inversion;
    RETURN_IF_ERROR(thread_ref(1, inversion.thread));
    RETURN_IF_ERROR(p.Ids(2, inversion.cycle));
    RETURN_IF_ERROR(p.Ids(3, inversion.gate_locks));
    if (inversion.cycle.size() < 3 || inversion.cycle.front() != inversion.cycle.back()) {
      return p.Error("a cycle must start and end at the same lock");
    }
    for (LockId lock : inversion.cycle) {
      if (out.locks.count(lock) == 0) return p.Error(absl::StrCat("lock ", lock, " is not declared"));
    }
    out.inversions.push_back(std::move(inversion));
  } else if (type == "self-deadlock" && p.size() == 6) {
    SelfDeadlockRecord record;
    RETURN_IF_ERROR(thread_ref(1, record.thread));
    RETURN_IF_ERROR(lock_ref(2, record.lock));
    RETURN_IF_ERROR(site_ref(3, record.held_site));
    RETURN_IF_ERROR(site_ref(4, record.requested_site));
    if (p.field(5) != "0" && p.field(5) != "1") return p.Error("held-shared flag must be 0 or 1");
    record.shared_held = p.field(5) == "1";
    out.self_deadlocks.push_back(record);
  } else if (type == "wait" && p.size() >= 5 && p.size() <= 7) {
    Recording::Wait wait;
    RETURN_IF_ERROR(p.Number(1, wait.thread));
    RETURN_IF_ERROR(lock_ref(2, wait.lock));
    if (p.field(3) != "mutex" && p.field(3) != "condition") {
      return p.Error(absl::StrCat("unknown wait '", p.field(3), "'"));
    }
    wait.condition = p.field(3) == "condition";
    RETURN_IF_ERROR(p.Number(4, wait.owner));
    if (p.size() >= 6) RETURN_IF_ERROR(site_ref(5, wait.site));
    if (p.size() == 7) RETURN_IF_ERROR(p.Number(6, wait.readers));
    if (out.wait_dump_complete) {  // a later dump replaces an earlier one
      out.waits.clear();
      out.wait_dump_complete = false;
    }
    out.waits.push_back(wait);
  } else if (type == "wait-end" && p.size() == 2) {
    size_t count = 0;
    RETURN_IF_ERROR(p.Number(1, count));
    if (out.wait_dump_complete) out.waits.clear();
    if (count != out.waits.size()) {
      return p.Error(absl::StrCat("wait-end counts ", count, " waits, the dump has ", out.waits.size()));
    }
    out.wait_dump_complete = true;
  } else if ((type == "deadlock" || type == "livelock") && p.size() >= 2) {
    WaitCycleRecord cycle;
    cycle.livelock = type == "livelock";
    size_t count = 0;
    RETURN_IF_ERROR(p.Number(1, count));
    if (count == 0 || p.size() != 2 + 5 * count) {
      return p.Error(absl::StrCat("a ", type, " record of ", count, " steps needs ", 2 + 5 * count,
                                  " fields, it has ", p.size()));
    }
    for (size_t i = 0; i < count; ++i) {
      const size_t at = 2 + 5 * i;
      WaitCycleRecord::Step step;
      RETURN_IF_ERROR(thread_ref(at, step.thread));
      if (p.field(at + 2) == "join") {
        if (p.field(at + 1) != "-") return p.Error("a join step names no lock ('-')");
        step.how = WaitHow::kJoin;
      } else {
        RETURN_IF_ERROR(lock_ref(at + 1, step.lock));
      }
      if (step.how == WaitHow::kJoin) {
      } else if (p.field(at + 2) == "lock") {
        step.how = WaitHow::kLock;
      } else if (p.field(at + 2) == "condition") {
        step.how = WaitHow::kCondition;
      } else if (p.field(at + 2) == "retry") {
        step.how = WaitHow::kRetry;
      } else {
        return p.Error(absl::StrCat("unknown wait '", p.field(at + 2), "'"));
      }
      RETURN_IF_ERROR(site_ref(at + 3, step.waiting_site));
      RETURN_IF_ERROR(site_ref(at + 4, step.held_site));
      cycle.steps.push_back(step);
    }
    out.wait_cycles.push_back(std::move(cycle));
  } else if (type == "misuse" && p.size() == 6) {
    MisuseRecord record;
    RETURN_IF_ERROR(thread_ref(1, record.thread));
    RETURN_IF_ERROR(lock_ref(2, record.lock));
    RETURN_IF_ERROR(site_ref(3, record.site));
    if (p.field(4) == MisuseKindName(MisuseKind::kUnlockNotOwner)) {
      record.kind = MisuseKind::kUnlockNotOwner;
    } else if (p.field(4) == MisuseKindName(MisuseKind::kUnlockUnlocked)) {
      record.kind = MisuseKind::kUnlockUnlocked;
    } else if (p.field(4) == MisuseKindName(MisuseKind::kWaitNotHeld)) {
      record.kind = MisuseKind::kWaitNotHeld;
    } else if (p.field(4) == MisuseKindName(MisuseKind::kRelockFailed)) {
      record.kind = MisuseKind::kRelockFailed;
    } else {
      return p.Error(absl::StrCat("unknown misuse '", p.field(4), "'"));
    }
    RETURN_IF_ERROR(p.Number(5, record.owner));
    out.misuses.push_back(record);
  } else {
    return p.Error(absl::StrCat("unexpected record '", Printable(line.substr(0, 80)), "'"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view LockKindName(LockKind kind) {
  switch (kind) {
    case LockKind::kMutex: return "mutex";
    case LockKind::kRecursiveMutex: return "recursive";
    case LockKind::kRwLock: return "rwlock";
  }
  return "?";
}

absl::string_view WaitHowName(WaitHow how) {
  switch (how) {
    case WaitHow::kLock: return "lock";
    case WaitHow::kCondition: return "condition";
    case WaitHow::kRetry: return "retry";
    case WaitHow::kJoin: return "join";
  }
  return "?";
}

absl::string_view MisuseKindName(MisuseKind kind) {
  switch (kind) {
    case MisuseKind::kUnlockNotOwner: return "unlock-not-owner";
    case MisuseKind::kUnlockUnlocked: return "unlock-unlocked";
    case MisuseKind::kWaitNotHeld: return "wait-not-held";
    case MisuseKind::kRelockFailed: return "relock-failed";
  }
  return "?";
}

std::vector<LockId> Recording::HeldLocks(const EdgeWitness& witness) const {
  if (witness.held_set == kNoHeldSet) return witness.held;
  std::vector<LockId> held;
  for (HeldSetId at = witness.held_set; at != kNoHeldSet; at = held_sets.at(at).first) {
    held.push_back(held_sets.at(at).second);
  }
  std::reverse(held.begin(), held.end());  // oldest first: a set's own lock is its newest
  return held;
}

absl::StatusOr<Recording> ParseRecording(absl::string_view text, const std::string& path) {
  Recording out;
  out.path = path;
  if (text.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":1: empty file, expected '",
                                                   kRecordFileHeader, "'"));
  }
  if (text.back() != '\n') {
    const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", lines, ": truncated (the last line has no end)"));
  }
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text.substr(0, text.size() - 1), '\n')) {
    ++line_number;
    if (line_number == 1) {
      if (line == kRecordFileHeader || line == kRecordFileHeaderVersion1) continue;
      absl::string_view version = line;
      if (absl::ConsumePrefix(&version, "racelab-lockorder/")) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ":1: unsupported version ", Printable(version.substr(0, 20)),
            " (this racelab reads '", kRecordFileHeader, "')"));
      }
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":1: not a racelab lock-order file (expected '", kRecordFileHeader, "')"));
    }
    if (line.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_number, ": empty line"));
    }
    RETURN_IF_ERROR(ParseLine(LineParser(path, line_number, line), line, out));
  }
  return out;
}

absl::StatusOr<Recording> ReadRecording(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const std::string reason = std::strerror(errno);
    return errno == ENOENT ? absl::NotFoundError(absl::StrCat(path, ": ", reason))
                           : absl::PermissionDeniedError(absl::StrCat(path, ": ", reason));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseRecording(text.str(), path);
}

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
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
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
  WriteLine(absl::StrCat("module ", module, " ", object->path.empty() ? SelfExecutable() : object->path));
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
  AppendLine("lock ", lock.id, " ", LockKindName(lock.kind), " 0x", absl::Hex(lock.address), " ",
             SiteField(lock.first_site));
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
                         " ", MisuseKindName(misuse.kind), " ", misuse.owner));
  Flush();
}

void RecordFileWriter::OnWaitCycle(const WaitCycleRecord& cycle) {
  std::string line = absl::StrCat(cycle.livelock ? "livelock " : "deadlock ", cycle.steps.size());
  for (const WaitCycleRecord::Step& step : cycle.steps) {
    absl::StrAppend(&line, " ", step.thread, " ",
                    step.how == WaitHow::kJoin ? std::string("-") : absl::StrCat(step.lock), " ",
                    WaitHowName(step.how), " ",
                    SiteField(step.waiting_site), " ", SiteField(step.held_site));
  }
  WriteLine(line);
  Flush();
}

}  // namespace racelab::lockorder
