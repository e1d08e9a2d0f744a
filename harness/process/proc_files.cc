// Reading /proc (see proc_files.h).
#include "harness/process/proc_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace racelab {

std::string ReadProcFile(const std::string& path) {
  std::string text;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buffer[4096];
  ssize_t n = 0;
  while (text.size() < 256 * 1024 && (n = ::read(fd, buffer, sizeof buffer)) > 0) {
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<pid_t> ThreadsOf(pid_t pid) {
  std::vector<pid_t> threads;
  DIR* dir = ::opendir(absl::StrCat("/proc/", pid, "/task").c_str());
  if (dir == nullptr) return threads;
  while (const dirent* entry = ::readdir(dir)) {
    pid_t thread = 0;
    if (absl::SimpleAtoi(entry->d_name, &thread) && thread > 0) threads.push_back(thread);
  }
  ::closedir(dir);
  std::sort(threads.begin(), threads.end());
  return threads;
}

std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::vector<pid_t> children;
  for (pid_t thread : ThreadsOf(pid)) {
    const std::string list =
        ReadProcFile(absl::StrCat("/proc/", pid, "/task/", thread, "/children"));
    for (absl::string_view field : absl::StrSplit(list, ' ', absl::SkipWhitespace())) {
      pid_t child = 0;
      if (absl::SimpleAtoi(field, &child) && child > 0) children.push_back(child);
    }
  }
  return children;
}

std::vector<pid_t> ProcessesBelow(pid_t root) {
  std::vector<pid_t> processes;
  std::set<pid_t> seen{root};
  std::vector<pid_t> parents{root};
  for (size_t next = 0; next < parents.size() && parents.size() < 100000; ++next) {
    for (pid_t child : ChildrenOf(parents[next])) {
      if (!seen.insert(child).second) continue;
      processes.push_back(child);
      parents.push_back(child);
    }
  }
  return processes;
}

}  // namespace racelab
