// cases/file_replace — replace text in files from many threads. Two
// threads each apply their own replacement to the same real file (one
// "TODO" → "DONE", the other "draft" → "final"): read the file, replace,
// write it back. In `racy` both read before either writes, so the second
// write puts back the text the first one replaced: a replacement is lost.
// In `locked` a mutex per file covers read-modify-write.
//
// ThreadSanitizer cannot see this race: the shared state is the file, and
// the two threads touch it only through read(2)/write(2) on their own
// stream objects, which TSan does not model as memory. Only the oracle
// (the file's final text) sees it.
//
// Schedule: in `racy` both threads have read the file before either writes
// (an UnorderedRendezvous), every run. The file lives in a fresh temporary
// directory, removed at the end.
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"
#include "harness/catalog/temporary_directory.h"
#include "harness/catalog/window.h"

namespace racelab::cases::file_replace {
namespace {

constexpr char kOriginal[] = "TODO: review the draft\n";

std::string ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteWhole(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

struct Replacement {
  const char* from;
  const char* to;
};
constexpr Replacement kReplacements[2] = {{"TODO", "DONE"}, {"draft", "final"}};

// Deliberately unsynchronised (the bug under test): read-modify-write of a
// shared file.
struct RacyEditor {
  void Replace(const std::filesystem::path& path, Replacement replacement, Window& window) {
    const std::string text = ReadWhole(path);
    window.Pass();
    WriteWhole(path, absl::StrReplaceAll(text, {{replacement.from, replacement.to}}));
  }
};

struct LockedEditor {
  void Replace(const std::filesystem::path& path, Replacement replacement, Window& window) {
    std::mutex* file_lock = nullptr;
    {
      std::lock_guard lock(table_mutex);
      file_lock = &per_file[path.string()];
    }
    std::lock_guard lock(*file_lock);
    const std::string text = ReadWhole(path);
    window.Pass();
    WriteWhole(path, absl::StrReplaceAll(text, {{replacement.from, replacement.to}}));
  }
  std::mutex table_mutex;
  std::map<std::string, std::mutex> per_file;  // guarded by table_mutex
};

template <typename Editor, typename EditWindow>
Observation EditOneFile() {
  const TemporaryDirectory dir("racelab_file_replace");
  if (!dir.ok()) return Observation{"no temporary directory", {-1}};
  const std::filesystem::path file = dir.path() / "notes.txt";
  WriteWhole(file, kOriginal);
  Editor editor;
  Meeting editors(2);
  RunTogether(2, [&](int index) {
    EditWindow window(editors);
    editor.Replace(file, kReplacements[index], window);
  });
  const std::string result = ReadWhole(file);
  int applied = 0;
  for (const Replacement& replacement : kReplacements) {
    applied += result.find(replacement.to) != std::string::npos ? 1 : 0;
  }
  std::string shown = result;
  if (!shown.empty() && shown.back() == '\n') shown.pop_back();
  return Observation{absl::StrCat("\"", shown, "\""), {applied}};
}

// Oracle: both replacements are in the file.
absl::Status BothReplacementsKept(const Observation& observation) {
  if (observation.values.at(0) == 2) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "only ", observation.values.at(0), " of 2 replacements survived: ", observation.summary));
}

const CaseRegistrar kRacy({.pattern = "file_replace",
                           .variant = "racy",
                           .expect = Expect::kBug,
                           .title = "two threads read-modify-write the same real file",
                           .bug_kinds = {FindingKind::kInvariant},
                           .found_by = {Detector::kOracle},
                           .body = EditOneFile<RacyEditor, UnorderedRendezvous>,
                           .oracle = BothReplacementsKept});

const CaseRegistrar kLocked({.pattern = "file_replace",
                             .variant = "locked",
                             .expect = Expect::kClean,
                             .title = "one mutex per file around read-modify-write",
                             .body = EditOneFile<LockedEditor, Spin>,
                             .oracle = BothReplacementsKept});

}  // namespace
}  // namespace racelab::cases::file_replace
