// Writing lock-order record files (see record_writer.h).
#include "harness/lockorder/record_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

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

int CreateRecordFile(const char* prefix, std::string& path) {
  const std::string base = absl::StrCat(prefix, ".", ::getpid(), ".");
  for (int image = 0; image < 1000; ++image) {
    std::string candidate = absl::StrCat(base, image);
    const int fd = ::open(candidate.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      path = std::move(candidate);
      return MoveToHighDescriptor(fd);
    }
    if (errno != EEXIST) return -1;
  }
  return -1;
}

RecordFileWriter::RecordFileWriter(int fd, std::string path) : file_(fd, std::move(path)) {
  WriteLine(kRecordFileHeader);
  WriteLine(absl::StrCat("process ", ::getpid(), " ", SelfExecutable()));
}

void RecordFileWriter::WriteLine(absl::string_view line) { AppendLine(line); }

template <typename... Pieces>
void RecordFileWriter::AppendLine(const Pieces&... pieces) {
  line_.clear();  // keeps its capacity: no allocation a line once it is warm
  absl::StrAppend(&line_, pieces..., "\n");
  file_.Append(line_.data(), line_.size());
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
  AppendLine("thread ", thread, " ", os_tid);
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

// The checker names what an edge's thread held by a held set, always (an
// edge's thread holds its `from`).
void RecordFileWriter::OnEdge(const Edge& edge) {
  AppendLine("edge ", edge.from, " ", edge.to, " ", edge.witness.thread, " ",
             SiteField(edge.witness.held_site), " ", SiteField(edge.witness.requested_site), " @",
             edge.witness.held_set);
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
}

void RecordFileWriter::OnSelfDeadlock(const SelfDeadlockRecord& record) {
  WriteLine(absl::StrCat("self-deadlock ", record.thread, " ", record.lock, " ",
                         SiteField(record.held_site), " ", SiteField(record.requested_site), " ",
                         record.shared_held ? 1 : 0));
}

void RecordFileWriter::OnMisuse(const MisuseRecord& misuse) {
  WriteLine(absl::StrCat("misuse ", misuse.thread, " ", misuse.lock, " ", SiteField(misuse.site),
                         " ", MisuseKindName(misuse.kind), " ", misuse.owner,
                         IsThreadMisuse(misuse.kind)
                             ? absl::StrCat(" ", SiteField(misuse.earlier_site))
                         : misuse.other != 0 ? absl::StrCat(" ", misuse.other)
                                             : ""));
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
}

}  // namespace racelab::lockorder
