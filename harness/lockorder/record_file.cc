// Parsing lock-order record files (see record_file.h; a file's text:
// record_file_text.cc).
#include "harness/lockorder/record_file.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "harness/lockorder/record_line_parser.h"

namespace racelab::lockorder {
namespace {

using record_file_internal::LineParser;
using record_file_internal::Printable;

// The lock and held-set ids declared so far, for the check that every line
// refers to ids declared before it: hash sets, where a lookup in the
// recording's B-trees visits a node per level (on a 33 MB file of 800,000
// edges, a quarter of `racelab run`'s own time went to those lookups).
struct DeclaredIds {
  absl::flat_hash_set<LockId> locks;
  absl::flat_hash_set<HeldSetId> held_sets;
};

// One record line into `out`: checks that every id the line uses was
// declared before it, one method per record kind.
class RecordLine {
 public:
  // `retaken`: where `retaken` lines go, applied to their edges once the
  // whole file is read (ApplyRetakenEdges), with their line numbers.
  RecordLine(const LineParser& p, absl::string_view line, Recording& out, DeclaredIds& declared,
             std::vector<std::pair<int, Edge>>& retaken)
      : p_(p), line_(line), out_(out), declared_(declared), retaken_(retaken) {}

  absl::Status Parse() {
    const absl::string_view type = p_.field(0);
    const size_t n = p_.size();
    if (type == "process" && n >= 3) return Process();
    if (type == "module" && n >= 3) return Module();
    if (type == "thread" && n == 3) return Thread();
    if (type == "site" && n >= 2) return SiteLine();
    if (type == "lock" && (n == 5 || n == 6)) return Lock();
    if (type == "held" && n == 4) return Held();
    if (type == "edge" && n == 7) return EdgeLine();
    if (type == "retaken" && n == 8) return RetakenLine();
    if (type == "inversion" && n == 4) return Inversion();
    if (type == "self-deadlock" && n == 6) return SelfDeadlock();
    if (type == "wait" && n >= 5 && n <= 7) return Wait();
    if (type == "wait-end" && n == 2) return WaitEnd();
    if ((type == "deadlock" || type == "livelock") && n >= 2) return WaitCycle();
    if (type == "misuse" && (n == 6 || n == 7)) return Misuse();
    return p_.Error(absl::StrCat("unexpected record '", Printable(line_.substr(0, 80)), "'"));
  }

 private:
  // References to ids declared by earlier lines.
  absl::Status SiteRef(size_t i, SiteId& site) const {
    if (i >= p_.size()) return p_.Error("missing site");
    if (p_.field(i) == "-") {
      site = kNoSite;
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(p_.Number(i, site));
    if (out_.sites.count(site) == 0)
      return p_.Error(absl::StrCat("site ", site, " is not declared"));
    return absl::OkStatus();
  }
  absl::Status LockRef(size_t i, LockId& lock) const {
    RETURN_IF_ERROR(p_.Number(i, lock));
    if (!declared_.locks.contains(lock))
      return p_.Error(absl::StrCat("lock ", lock, " is not declared"));
    return absl::OkStatus();
  }
  absl::Status ThreadRef(size_t i, std::uint32_t& thread) const {
    RETURN_IF_ERROR(p_.Number(i, thread));
    if (out_.threads.count(thread) == 0) {
      return p_.Error(absl::StrCat("thread ", thread, " is not declared"));
    }
    return absl::OkStatus();
  }
  template <typename Id>
  absl::Status NotYetDeclared(absl::string_view what, Id id, size_t already) const {
    if (already != 0) return p_.Error(absl::StrCat(what, " ", id, " is declared twice"));
    return absl::OkStatus();
  }

  absl::Status Process() {
    RETURN_IF_ERROR(p_.Number(1, out_.pid));
    out_.executable = p_.Rest(line_, 2);
    return absl::OkStatus();
  }
  absl::Status Module() {
    int module = 0;
    RETURN_IF_ERROR(p_.Number(1, module));
    RETURN_IF_ERROR(NotYetDeclared("module", module, out_.modules.count(module)));
    out_.modules[module] = p_.Rest(line_, 2);
    return absl::OkStatus();
  }
  absl::Status Thread() {
    std::uint32_t thread = 0;
    std::int64_t tid = 0;
    RETURN_IF_ERROR(p_.Number(1, thread));
    RETURN_IF_ERROR(p_.Number(2, tid));
    RETURN_IF_ERROR(NotYetDeclared("thread", thread, out_.threads.count(thread)));
    out_.threads[thread] = tid;
    return absl::OkStatus();
  }
  absl::Status SiteLine() {
    SiteId site = 0;
    RETURN_IF_ERROR(p_.Number(1, site));
    if (site == kNoSite) {
      return p_.Error(absl::StrCat("site id ", site, " is reserved for 'no site'"));
    }
    RETURN_IF_ERROR(NotYetDeclared("site", site, out_.sites.count(site)));
    std::vector<ModuleOffset> frames;
    for (size_t i = 2; i < p_.size(); ++i) {
      ModuleOffset frame;
      RETURN_IF_ERROR(Frame(i, frame));
      frames.push_back(frame);
    }
    out_.sites[site] = std::move(frames);
    return absl::OkStatus();
  }
  // Field i as <module>+0x<offset>, in a declared module.
  absl::Status Frame(size_t i, ModuleOffset& frame) const {
    std::vector<absl::string_view> parts = absl::StrSplit(p_.field(i), absl::MaxSplits('+', 1));
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &frame.module)) {
      return p_.Error(absl::StrCat("bad frame '", p_.field(i), "'"));
    }
    RETURN_IF_ERROR(p_.Hex(parts[1], frame.offset));
    if (out_.modules.count(frame.module) == 0) {
      return p_.Error(absl::StrCat("module ", frame.module, " is not declared"));
    }
    return absl::OkStatus();
  }
  absl::Status Lock() {
    LockRecord lock;
    RETURN_IF_ERROR(p_.Number(1, lock.id));
    if (p_.field(2) == "mutex") {
      lock.kind = LockKind::kMutex;
    } else if (p_.field(2) == "recursive") {
      lock.kind = LockKind::kRecursiveMutex;
    } else if (p_.field(2) == "rwlock") {
      lock.kind = LockKind::kRwLock;
    } else if (p_.field(2) == "static-init") {
      lock.kind = LockKind::kStaticInit;
    } else if (p_.field(2) == "once") {
      lock.kind = LockKind::kOnce;
    } else if (p_.field(2) == "spin") {
      lock.kind = LockKind::kSpin;
    } else if (p_.field(2) == "condition") {
      lock.kind = LockKind::kCondition;
    } else if (p_.field(2) == "semaphore") {
      lock.kind = LockKind::kSemaphore;
    } else if (p_.field(2) == "barrier") {
      lock.kind = LockKind::kBarrier;
    } else if (p_.field(2) == "stream") {
      lock.kind = LockKind::kStream;
    } else if (p_.field(2) == "thread") {
      lock.kind = LockKind::kThread;
    } else {
      return p_.Error(absl::StrCat("unknown lock kind '", p_.field(2), "'"));
    }
    RETURN_IF_ERROR(p_.Hex(p_.field(3), lock.address));
    RETURN_IF_ERROR(SiteRef(4, lock.first_site));
    // A lock may be declared twice alike: by the wait dump, a signal
    // handler, and by the thread it interrupted (LockInfo::declared); the
    // dump may not know its site ("-"), the other line then gives it.
    const bool again = !declared_.locks.insert(lock.id).second;
    auto known = again ? out_.locks.find(lock.id) : out_.locks.end();
    if (again) {
      const LockRecord& before = known->second;
      if (before.kind != lock.kind || before.address != lock.address ||
          (before.first_site != lock.first_site && before.first_site != kNoSite &&
           lock.first_site != kNoSite)) {
        return p_.Error(absl::StrCat("lock ", lock.id, " is declared twice, differently"));
      }
      if (lock.first_site == kNoSite) lock.first_site = before.first_site;
    }
    if (p_.size() == 6) {
      ModuleOffset object;
      RETURN_IF_ERROR(Frame(5, object));
      out_.lock_objects[lock.id] = object;
    }
    if (again) {
      known->second = lock;
    } else {
      out_.locks.emplace_hint(out_.locks.end(), lock.id, lock);  // ids mostly ascend
    }
    return absl::OkStatus();
  }
  absl::Status Held() {
    HeldSetId id = 0, parent = kNoHeldSet;
    LockId lock = 0;
    RETURN_IF_ERROR(p_.Number(1, id));
    if (id == kNoHeldSet) return p_.Error(absl::StrCat("held set id ", id, " is reserved"));
    RETURN_IF_ERROR(NotYetDeclared("held set", id, declared_.held_sets.count(id)));
    if (p_.field(2) != "-") {
      RETURN_IF_ERROR(p_.Number(2, parent));
      if (!declared_.held_sets.contains(parent)) {
        return p_.Error(absl::StrCat("held set ", parent, " is not declared"));
      }
    }
    RETURN_IF_ERROR(LockRef(3, lock));
    declared_.held_sets.insert(id);
    out_.held_sets.emplace_hint(out_.held_sets.end(), id, std::make_pair(parent, lock));
    return absl::OkStatus();
  }
  absl::Status EdgeLine() {
    Edge edge;
    RETURN_IF_ERROR(EdgeFields(edge));
    out_.edges.push_back(std::move(edge));
    return absl::OkStatus();
  }
  absl::Status RetakenLine() {
    Edge edge;
    RETURN_IF_ERROR(EdgeFields(edge));
    edge.guard_narrowed = true;
    if (p_.field(7) != "-") RETURN_IF_ERROR(HeldSetRef(7, edge.guard));
    retaken_.emplace_back(p_.line_number(), std::move(edge));
    return absl::OkStatus();
  }
  absl::Status HeldSetRef(size_t i, HeldSetId& set) const {
    absl::string_view field = p_.field(i);
    if (!absl::ConsumePrefix(&field, "@") || !absl::SimpleAtoi(field, &set) ||
        !declared_.held_sets.contains(set)) {
      return p_.Error(absl::StrCat("held set '", p_.field(i), "' is not declared"));
    }
    return absl::OkStatus();
  }
  // The fields `edge` and `retaken` lines share: from, to, the witness.
  absl::Status EdgeFields(Edge& edge) const {
    RETURN_IF_ERROR(LockRef(1, edge.from));
    RETURN_IF_ERROR(LockRef(2, edge.to));
    if (edge.from == edge.to) {
      return p_.Error(absl::StrCat("edge from lock ", edge.from,
                                   " to itself (a re-lock is a "
                                   "'self-deadlock' record, never an edge)"));
    }
    RETURN_IF_ERROR(ThreadRef(3, edge.witness.thread));
    RETURN_IF_ERROR(SiteRef(4, edge.witness.held_site));
    RETURN_IF_ERROR(SiteRef(5, edge.witness.requested_site));
    if (absl::StartsWith(p_.field(6), "@")) {
      return HeldSetRef(6, edge.witness.held_set);  // its locks: Recording::HeldLocks
    }
    std::vector<LockId> held;
    RETURN_IF_ERROR(p_.Ids(6, held));
    if (!held.empty()) {
      edge.witness.held_list = static_cast<HeldListId>(out_.held_lists.size());
      out_.held_lists.push_back(std::move(held));
    }
    return absl::OkStatus();
  }
  absl::Status Inversion() {
    InversionRecord inversion;
    RETURN_IF_ERROR(ThreadRef(1, inversion.thread));
    RETURN_IF_ERROR(p_.Ids(2, inversion.cycle));
    RETURN_IF_ERROR(p_.Ids(3, inversion.gate_locks));
    if (inversion.cycle.size() < 3 || inversion.cycle.front() != inversion.cycle.back()) {
      return p_.Error("a cycle must start and end at the same lock");
    }
    for (LockId lock : inversion.cycle) {
      if (!declared_.locks.contains(lock)) {
        return p_.Error(absl::StrCat("lock ", lock, " is not declared"));
      }
    }
    out_.inversions.push_back(std::move(inversion));
    return absl::OkStatus();
  }
  absl::Status SelfDeadlock() {
    SelfDeadlockRecord record;
    RETURN_IF_ERROR(ThreadRef(1, record.thread));
    RETURN_IF_ERROR(LockRef(2, record.lock));
    RETURN_IF_ERROR(SiteRef(3, record.held_site));
    RETURN_IF_ERROR(SiteRef(4, record.requested_site));
    if (p_.field(5) != "0" && p_.field(5) != "1")
      return p_.Error("held-shared flag must be 0 or 1");
    record.shared_held = p_.field(5) == "1";
    out_.self_deadlocks.push_back(record);
    return absl::OkStatus();
  }
  absl::Status Wait() {
    Recording::Wait wait;
    RETURN_IF_ERROR(p_.Number(1, wait.thread));
    RETURN_IF_ERROR(LockRef(2, wait.lock));
    if (p_.field(3) != "mutex" && p_.field(3) != "condition") {
      return p_.Error(absl::StrCat("unknown wait '", p_.field(3), "'"));
    }
    wait.condition = p_.field(3) == "condition";
    RETURN_IF_ERROR(p_.Number(4, wait.owner));
    if (p_.size() >= 6) RETURN_IF_ERROR(SiteRef(5, wait.site));
    if (p_.size() == 7) RETURN_IF_ERROR(p_.Number(6, wait.readers));
    if (out_.wait_dump_complete) {  // a later dump replaces an earlier one
      out_.waits.clear();
      out_.wait_dump_complete = false;
    }
    out_.waits.push_back(wait);
    return absl::OkStatus();
  }
  absl::Status WaitEnd() {
    size_t count = 0;
    RETURN_IF_ERROR(p_.Number(1, count));
    if (out_.wait_dump_complete) out_.waits.clear();
    if (count != out_.waits.size()) {
      return p_.Error(
          absl::StrCat("wait-end counts ", count, " waits, the dump has ", out_.waits.size()));
    }
    out_.wait_dump_complete = true;
    return absl::OkStatus();
  }
  absl::Status WaitCycle() {
    WaitCycleRecord cycle;
    cycle.livelock = p_.field(0) == "livelock";
    size_t count = 0;
    RETURN_IF_ERROR(p_.Number(1, count));
    if (count == 0 || p_.size() != 2 + 5 * count) {
      return p_.Error(absl::StrCat("a ", p_.field(0), " record of ", count, " steps needs ",
                                   2 + 5 * count, " fields, it has ", p_.size()));
    }
    for (size_t i = 0; i < count; ++i) {
      WaitCycleRecord::Step step;
      RETURN_IF_ERROR(WaitCycleStep(2 + 5 * i, step));
      cycle.steps.push_back(step);
    }
    out_.wait_cycles.push_back(std::move(cycle));
    return absl::OkStatus();
  }
  // `<t> <lock|-> lock|condition|retry|join <waiting site> <held site>`, from field `at`.
  absl::Status WaitCycleStep(size_t at, WaitCycleRecord::Step& step) const {
    RETURN_IF_ERROR(ThreadRef(at, step.thread));
    const absl::string_view how = p_.field(at + 2);
    if (how == "join") {
      if (p_.field(at + 1) != "-") return p_.Error("a join step names no lock ('-')");
      step.how = WaitHow::kJoin;
    } else {
      RETURN_IF_ERROR(LockRef(at + 1, step.lock));
      if (how == "lock") {
        step.how = WaitHow::kLock;
      } else if (how == "condition") {
        step.how = WaitHow::kCondition;
      } else if (how == "retry") {
        step.how = WaitHow::kRetry;
      } else {
        return p_.Error(absl::StrCat("unknown wait '", how, "'"));
      }
    }
    RETURN_IF_ERROR(SiteRef(at + 3, step.waiting_site));
    return SiteRef(at + 4, step.held_site);
  }
  absl::Status Misuse() {
    MisuseRecord record;
    RETURN_IF_ERROR(ThreadRef(1, record.thread));
    RETURN_IF_ERROR(LockRef(2, record.lock));
    RETURN_IF_ERROR(SiteRef(3, record.site));
    bool known = false;
    for (MisuseKind kind :
         {MisuseKind::kUnlockNotOwner, MisuseKind::kUnlockUnlocked, MisuseKind::kWaitNotHeld,
          MisuseKind::kRelockFailed, MisuseKind::kDestroyLocked, MisuseKind::kUseDestroyed,
          MisuseKind::kExitHolding, MisuseKind::kWaitTwoMutexes, MisuseKind::kDestroyWaited,
          MisuseKind::kPostOverflow, MisuseKind::kReinitWaited, MisuseKind::kJoinedTwice,
          MisuseKind::kJoinDetached, MisuseKind::kDetachedTwice, MisuseKind::kDetachJoined}) {
      if (p_.field(4) == MisuseKindName(kind)) {
        record.kind = kind;
        known = true;
      }
    }
    if (!known) return p_.Error(absl::StrCat("unknown misuse '", p_.field(4), "'"));
    RETURN_IF_ERROR(p_.Number(5, record.owner));
    if (p_.size() == 7 && IsThreadMisuse(record.kind)) {
      RETURN_IF_ERROR(SiteRef(6, record.earlier_site));
    } else if (p_.size() == 7) {
      RETURN_IF_ERROR(LockRef(6, record.other));
    }
    out_.misuses.push_back(record);
    return absl::OkStatus();
  }

  const LineParser& p_;
  const absl::string_view line_;
  Recording& out_;
  DeclaredIds& declared_;
  std::vector<std::pair<int, Edge>>& retaken_;
};

// Each `retaken` line replaces its edge's witness and guard, in file order.
absl::Status ApplyRetakenEdges(const std::vector<std::pair<int, Edge>>& retaken, Recording& out) {
  if (retaken.empty()) return absl::OkStatus();
  absl::flat_hash_map<std::pair<LockId, LockId>, std::size_t> edge_index;
  for (std::size_t i = 0; i < out.edges.size(); ++i) {
    edge_index[{out.edges[i].from, out.edges[i].to}] = i;  // the latest, if declared twice
  }
  for (const auto& [line_number, edge] : retaken) {
    auto found = edge_index.find({edge.from, edge.to});
    if (found == edge_index.end()) {
      return absl::InvalidArgumentError(absl::StrCat(out.path, ":", line_number, ": edge ",
                                                     edge.from, " ", edge.to,
                                                     " is retaken but was never recorded"));
    }
    out.edges[found->second] = edge;
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<LockId> Recording::GuardLocks(const Edge& edge) const {
  if (!edge.guard_narrowed) return HeldLocks(edge.witness);
  EdgeWitness guard;
  guard.held_set = edge.guard;
  return HeldLocks(guard);
}

std::vector<LockId> Recording::HeldLocks(const EdgeWitness& witness) const {
  if (witness.held_set == kNoHeldSet) {
    return witness.held_list == kNoHeldList ? std::vector<LockId>{} : held_lists[witness.held_list];
  }
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
  std::string complete;
  if (text.find('\0') != absl::string_view::npos) {  // a writer died (mapped_record_file.h)
    complete = CompleteRecordText(text);
    text = complete;
  }
  if (text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":1: empty file, expected '", kRecordFileHeader, "'"));
  }
  if (text.back() != '\n') {
    const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", lines, ": truncated (the last line has no end)"));
  }
  // Room for every edge line at once: a million edges grown by doubling
  // copy themselves twice over and leave the old buffers behind. (At most
  // one per 16 bytes, shorter than any well-formed edge line: a corrupt file
  // of "edge " lines is refused at its first, not after a large reserve.)
  std::size_t edge_lines = 0;
  for (std::size_t at = text.find("\nedge "); at != absl::string_view::npos;
       at = text.find("\nedge ", at + 6)) {
    ++edge_lines;
  }
  out.edges.reserve(std::min(edge_lines, text.size() / 16));
  int line_number = 0;
  std::vector<std::pair<int, Edge>> retaken;
  DeclaredIds declared;
  for (absl::string_view line : absl::StrSplit(text.substr(0, text.size() - 1), '\n')) {
    ++line_number;
    if (line_number == 1) {
      if (line == kRecordFileHeader || line == kRecordFileHeaderVersion2 ||
          line == kRecordFileHeaderVersion1) {
        continue;
      }
      absl::string_view version = line;
      if (absl::ConsumePrefix(&version, "racelab-lockorder/")) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ":1: unsupported version ", Printable(version.substr(0, 20)),
                         " (this racelab reads '", kRecordFileHeader, "')"));
      }
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":1: not a racelab lock-order file (expected '", kRecordFileHeader, "')"));
    }
    if (line.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_number, ": empty line"));
    }
    RETURN_IF_ERROR(
        RecordLine(LineParser(path, line_number, line), line, out, declared, retaken).Parse());
  }
  RETURN_IF_ERROR(ApplyRetakenEdges(retaken, out));
  return out;
}

}  // namespace racelab::lockorder
