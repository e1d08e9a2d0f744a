// cases/text_search — search a directory tree for a regex with threads and
// print every match as file:line:column. The tree is real: a fresh
// temporary directory with nested folders and files, removed at the end.
// Two searcher threads split the files between them. In `racy` every match
// is appended to one shared list with no lock (UnlockedList: read size,
// write slot, store size + 1), so two searchers appending at once write
// the same slot: a match goes missing, or the slot holds a torn mix of the
// two. In `merged` each searcher keeps its own matches and the caller
// merges them after joining.
//
// Schedule: in `racy` each searcher's first match is appended at the same
// moment (an UnorderedRendezvous, invisible to TSan), every run; every
// searcher's share of the tree has matches, so both get there.
//
// Oracle: the threaded search finds exactly what a one-thread search of
// the same tree finds.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/catalog/registry.h"
#include "harness/catalog/run_together.h"
#include "harness/catalog/temporary_directory.h"
#include "harness/catalog/unlocked_list.h"
#include "harness/catalog/window.h"

namespace racelab::cases::text_search {
namespace {

constexpr int kSearchers = 2;
constexpr char kPattern[] = R"(TODO\(\w+\))";

// A tree whose files (in sorted order, dealt round-robin to the searchers)
// give each searcher several matches, some lines with two.
struct TreeFile {
  const char* path;
  const char* text;
};
constexpr TreeFile kTree[] = {
    {"README.md", "# demo\nTODO(ana): write the intro\n"},
    {"docs/design.txt", "plain text\nno markers here\n"},
    {"src/main.cc", "int main() {\n  // TODO(bo): parse flags  TODO(ana): log\n  return 0;\n}\n"},
    {"src/net/server.cc", "// server\nvoid Serve();  // TODO(cy): timeouts\n"},
    {"src/net/server.h", "#pragma once\n// TODO(bo): doc\n"},
    {"tests/server_test.cc", "// TODO(dee): more cases\n// TODO(dee): flaky?\n"},
};

// One match; plain integers so that a torn slot shows as a match nobody
// found rather than as heap corruption.
struct Match {
  int file = -1;   // index into the sorted file list
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  int length = 0;
  auto Key() const { return std::tie(file, line, column, length); }
  friend bool operator<(const Match& a, const Match& b) { return a.Key() < b.Key(); }
};

// kTree written into a fresh temporary directory, removed on destruction.
class TemporaryTree {
 public:
  TemporaryTree() {
    if (!dir_.ok()) return;
    for (const TreeFile& file : kTree) {
      if (!dir_.WriteFile(file.path, file.text)) return;
    }
    written_ = true;
  }

  bool ok() const { return written_; }
  const std::filesystem::path& root() const { return dir_.path(); }

  // Every regular file under the root, sorted, as the search walks them.
  std::vector<std::filesystem::path> Files() const {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root())) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
  }

 private:
  TemporaryDirectory dir_{"racelab_text_search"};
  bool written_ = false;
};

// Searches one file line by line, calling `found` for every match.
template <typename Found>
void SearchFile(const std::filesystem::path& path, int file, const std::regex& pattern,
                Found&& found) {
  std::ifstream in(path);
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
         it != std::sregex_iterator(); ++it) {
      found(
          Match{file, line, static_cast<int>(it->position()) + 1, static_cast<int>(it->length())});
    }
  }
}

// Searcher `index` takes files index, index + kSearchers, ... The pattern
// is compiled once, before the searchers start, and only read by them
// (compiling it in each thread would have them race inside libstdc++ on the
// locale's lazily filled ctype<char>::widen cache, which TSan reports).
template <typename Found>
void SearchShare(const std::vector<std::filesystem::path>& files, int index,
                 const std::regex& pattern, Found&& found) {
  for (int file = index; file < static_cast<int>(files.size()); file += kSearchers) {
    SearchFile(files[file], file, pattern, found);
  }
}

// Deliberately unsynchronised (the bug under test): one shared list.
std::vector<Match> SearchIntoSharedList(const std::vector<std::filesystem::path>& files,
                                        const std::regex& pattern) {
  UnlockedList<Match> matches(64);
  Meeting first_matches(kSearchers);
  RunTogether(kSearchers, [&](int index) {
    UnorderedRendezvous first(first_matches);
    Spin rest(first_matches);
    bool first_match = true;
    SearchShare(files, index, pattern, [&](const Match& match) {
      matches.Append(match, first_match ? static_cast<Window&>(first) : rest);
      first_match = false;
    });
  });
  return matches.Contents();
}

std::vector<Match> SearchThenMerge(const std::vector<std::filesystem::path>& files,
                                   const std::regex& pattern) {
  std::vector<Match> per_searcher[kSearchers];
  RunTogether(kSearchers, [&](int index) {
    SearchShare(files, index, pattern,
                [&](const Match& match) { per_searcher[index].push_back(match); });
  });
  std::vector<Match> merged;
  for (const auto& matches : per_searcher) {
    merged.insert(merged.end(), matches.begin(), matches.end());
  }
  return merged;
}

using ThreadedSearch = std::vector<Match> (*)(const std::vector<std::filesystem::path>&,
                                              const std::regex&);

template <ThreadedSearch Search>
Observation SearchTree() {
  const TemporaryTree tree;
  if (!tree.ok()) return Observation{"no temporary tree", {-1, -1, -1, -1}};
  const std::vector<std::filesystem::path> files = tree.Files();
  const std::regex pattern(kPattern);
  std::vector<Match> found = Search(files, pattern);
  std::vector<Match> expected;
  for (int file = 0; file < static_cast<int>(files.size()); ++file) {
    SearchFile(files[file], file, pattern, [&](const Match& match) { expected.push_back(match); });
  }
  std::sort(found.begin(), found.end());
  std::sort(expected.begin(), expected.end());
  std::vector<Match> missing, unexpected;
  std::set_difference(expected.begin(), expected.end(), found.begin(), found.end(),
                      std::back_inserter(missing));
  std::set_difference(found.begin(), found.end(), expected.begin(), expected.end(),
                      std::back_inserter(unexpected));
  std::string summary = absl::StrCat("matches=", found.size(), " of ", expected.size());
  if (!missing.empty()) {
    const Match& first = missing.front();
    absl::StrAppend(&summary, ", missing ",
                    std::filesystem::relative(files[first.file], tree.root()).string(), ":",
                    first.line, ":", first.column);
  }
  return Observation{summary,
                     {static_cast<long>(found.size()), static_cast<long>(expected.size()),
                      static_cast<long>(missing.size()), static_cast<long>(unexpected.size())}};
}

// Oracle: every match the one-thread search finds, nothing else.
absl::Status SameMatchesAsOneThread(const Observation& observation) {
  const auto& values = observation.values;
  if (values.at(1) > 0 && values.at(2) == 0 && values.at(3) == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(values.at(2), " matches missing, ",
                                                    values.at(3), " torn or unexpected (",
                                                    observation.summary, ")"));
}

const CaseRegistrar kRacy(
    {.pattern = "text_search",
     .variant = "racy",
     .expect = Expect::kBug,
     .title = "searchers append file:line:column matches to a shared list with no lock",
     .bug_kinds = {FindingKind::kDataRace, FindingKind::kInvariant},
     .found_by = {Detector::kTsan, Detector::kOracle},
     .body = SearchTree<SearchIntoSharedList>,
     .oracle = SameMatchesAsOneThread});

const CaseRegistrar kMerged({.pattern = "text_search",
                             .variant = "merged",
                             .expect = Expect::kClean,
                             .title = "each searcher keeps its own matches; merged after join",
                             .body = SearchTree<SearchThenMerge>,
                             .oracle = SameMatchesAsOneThread});

}  // namespace
}  // namespace racelab::cases::text_search
