// Shared run collection (see run_collection.h).
#include "harness/runner/run_collection.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "harness/process/proc_files.h"
#include "harness/schedule/perturb_protocol.h"
#include "harness/schedule/perturbation.h"

namespace racelab {
namespace {

namespace fs = std::filesystem;

}  // namespace

std::optional<RunRecord> RunInScratchDir(
    const std::function<void(const std::string& scratch_dir, ChildSpec& child)>& prepare,
    const std::function<RunRecord(const ChildOutcome& outcome, const std::string& scratch_dir)>&
        collect,
    const std::string& keep_dir, const std::string& keep_prefix) {
  RunRecord record;
  const std::string scratch_dir = MakeScratchDir();
  if (scratch_dir.empty()) {
    record.error = "cannot create a scratch directory under $TMPDIR or /tmp";
    return record;
  }
  ChildSpec child;
  prepare(scratch_dir, child);
  absl::StatusOr<ChildOutcome> outcome = RunChild(child);
  std::error_code ignored;
  if (absl::IsCancelled(outcome.status())) {  // interrupted: the run did not finish
    fs::remove_all(scratch_dir, ignored);
    return std::nullopt;
  }
  if (outcome.ok()) {
    record = collect(*outcome, scratch_dir);
  } else {
    record.error = std::string(outcome.status().message());
  }
  const std::string kept = KeepLockOrderRecords(scratch_dir, keep_dir, keep_prefix);
  if (!kept.empty() && record.error.empty()) record.error = kept;
  fs::remove_all(scratch_dir, ignored);
  return record;
}

std::string KeptRunPrefix(const std::string& pattern, const std::string& variant, int run) {
  // A GoogleTest variant ("Pool/Queue.Drains/0") has slashes: not in a name.
  return absl::StrCat(pattern, ".", absl::StrReplaceAll(variant, {{"/", "-"}}), ".run", run, ".");
}

std::vector<std::string> KeptLockOrderFiles(const std::string& keep_dir,
                                            const std::string& prefix) {
  std::vector<std::string> files;
  std::error_code ignored;
  for (const fs::directory_entry& entry : fs::directory_iterator(keep_dir, ignored)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, prefix) && absl::EndsWith(name, ".lockorder")) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string KeepLockOrderRecords(const std::string& scratch_dir, const std::string& keep_dir,
                                 const std::string& prefix) {
  if (keep_dir.empty()) return "";
  std::error_code ignored;
  fs::create_directories(keep_dir, ignored);
  for (const fs::directory_entry& entry : fs::directory_iterator(scratch_dir, ignored)) {
    const std::string name = entry.path().filename().string();
    if (!absl::StartsWith(name, "lockorder.")) continue;
    const std::string kept = absl::StrCat(prefix, name.substr(10), ".lockorder");
    std::error_code copy_error;
    fs::copy_file(entry.path(), fs::path(keep_dir) / kept, fs::copy_options::overwrite_existing,
                  copy_error);
    if (copy_error)
      return absl::StrCat("cannot keep ", name, " in ", keep_dir, ": ", copy_error.message());
  }
  return "";
}

namespace {

constexpr char kScratchPrefix[] = "racelab-run.";
constexpr char kOwnerFile[] = "owner";

// "<pid> <start time in clock ticks since boot>" of process `pid`: which
// process it is, even after its pid is reused. "" when it does not exist.
std::string ProcessIdentity(pid_t pid) {
  const std::string stat = ReadProcFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t end_of_name = stat.rfind(')');
  if (end_of_name == std::string::npos) return "";
  // Fields after the name: state is field 3, start time field 22.
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(stat).substr(end_of_name + 2), ' ');
  if (fields.size() < 20) return "";
  return absl::StrCat(pid, " ", fields[19]);
}

// Removes scratch directories this user's racelab processes left behind
// when they were killed outright (SIGKILL gives no chance to clean up):
// those whose owner file names a process that no longer exists.
void RemoveStaleScratchDirs(const std::string& root) {
  std::error_code ignored;
  for (const fs::directory_entry& entry : fs::directory_iterator(root, ignored)) {
    const std::string name = entry.path().filename().string();
    if (!absl::StartsWith(name, kScratchPrefix)) continue;
    struct stat status;
    if (::lstat(entry.path().c_str(), &status) != 0 || !S_ISDIR(status.st_mode) ||
        status.st_uid != ::geteuid()) {
      continue;
    }
    const std::string owner = ReadProcFile((entry.path() / kOwnerFile).string());
    pid_t pid = 0;
    const std::vector<absl::string_view> fields = absl::StrSplit(owner, ' ');
    if (fields.size() != 2 || !absl::SimpleAtoi(fields[0], &pid) || pid <= 0) continue;
    if (ProcessIdentity(pid) != owner) fs::remove_all(entry.path(), ignored);
  }
}

}  // namespace

// A fresh private directory for one run's logs and result file, with an
// owner file naming this process; stale ones of dead racelab processes
// are removed first.
std::string MakeScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  const std::string root = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  static const bool kStaleRemoved = (RemoveStaleScratchDirs(root), true);
  (void)kStaleRemoved;
  std::string pattern = absl::StrCat(root, "/", kScratchPrefix, "XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) return "";
  std::ofstream(fs::path(pattern) / kOwnerFile) << ProcessIdentity(::getpid());
  return pattern;
}

void PrepareRun(const RunSubject& subject, const std::string& scratch_dir, RunState& state,
                ChildSpec& child) {
  for (const RunDetector* detector : AllRunDetectors()) {
    detector->Prepare(subject, scratch_dir, state, child);
  }
  if (subject.perturb) {
    state.seed = subject.perturb->seed.value_or(schedule::NewSeed());
    child.env.emplace_back(schedule::kPerturbVariable,
                           schedule::PerturbValue(*state.seed, subject.perturb->depth));
  }
}

RunRecord CollectRun(const ChildOutcome& outcome, const std::string& scratch_dir,
                     const RunSubject& subject, const RunState& state, Symbolizer& symbolizer) {
  RunRecord record;
  record.wall = outcome.wall;
  record.ended = DescribeEnd(outcome);
  record.seed = state.seed;
  RunLeftovers leftovers(outcome, scratch_dir, subject, state, symbolizer);
  for (const RunDetector* detector : AllRunDetectors()) detector->Collect(leftovers, record);
  return record;
}

}  // namespace racelab
