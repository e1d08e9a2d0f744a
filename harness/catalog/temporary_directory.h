// TemporaryDirectory: scaffolding for cases that work on real files (a
// tree to search, a file to edit in place): a fresh directory under the
// system's temporary directory (mkdtemp, so two runs never share one),
// removed with everything in it when the object goes. Not thread-safe:
// created and destroyed by the case body, used by its threads.
#ifndef RACELAB_HARNESS_CATALOG_TEMPORARY_DIRECTORY_H_
#define RACELAB_HARNESS_CATALOG_TEMPORARY_DIRECTORY_H_

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace racelab {

class TemporaryDirectory {
 public:
  // `prefix` names it for a person who finds one left behind by a killed
  // run ("racelab_text_search" → /tmp/racelab_text_search.Ab12Cd).
  explicit TemporaryDirectory(std::string_view prefix) {
    std::error_code error;
    const std::filesystem::path system = std::filesystem::temp_directory_path(error);
    if (error) return;
    std::string dir = (system / (std::string(prefix) + ".XXXXXX")).string();
    if (::mkdtemp(dir.data()) == nullptr) return;
    path_ = dir;
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  // False when no directory could be made (no temporary directory, full).
  bool ok() const { return !path_.empty(); }
  const std::filesystem::path& path() const { return path_; }

  // Writes `text` to `relative` under the directory, making its parents;
  // false when it cannot.
  bool WriteFile(const std::filesystem::path& relative, std::string_view text) const {
    const std::filesystem::path file = path_ / relative;
    std::error_code error;
    std::filesystem::create_directories(file.parent_path(), error);
    if (error) return false;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    return static_cast<bool>(out);
  }

 private:
  std::filesystem::path path_;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_CATALOG_TEMPORARY_DIRECTORY_H_
