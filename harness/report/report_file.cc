// Report files written without harming what is there (see report_file.h).
#include "harness/report/report_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"

namespace racelab {
namespace {

namespace fs = std::filesystem;

// Links followed at most this many times (the kernel's own limit).
constexpr int kMaxLinkHops = 40;

absl::Status CannotWrite(const std::string& path, int error) {
  return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", std::strerror(error)));
}

// Writes all of `content` to `fd`; errno of the failure, or 0.
int WriteAll(int fd, absl::string_view content) {
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    written += static_cast<size_t>(n);
  }
  return 0;
}

// The final path a chain of symbolic links at `path` leads to, whether or
// not it exists ("a -> b -> c" gives c). Magic links under /proc resolve to
// names like "pipe:[123]", so callers follow them only to regular files.
absl::StatusOr<std::string> FollowLinks(const std::string& path) {
  fs::path current(path);
  for (int hop = 0; hop < kMaxLinkHops; ++hop) {
    struct stat status;
    if (::lstat(current.c_str(), &status) != 0 || !S_ISLNK(status.st_mode)) return current.string();
    std::error_code error;
    const fs::path target = fs::read_symlink(current, error);
    if (error) return CannotWrite(path, error.value());
    current = target.is_absolute() ? target : current.parent_path() / target;
  }
  return CannotWrite(path, ELOOP);
}

absl::Status WriteAtomically(const std::string& shown, const std::string& target,
                             absl::string_view content, mode_t mode) {
  const fs::path target_path(target);
  std::error_code error;
  if (target_path.has_parent_path()) fs::create_directories(target_path.parent_path(), error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create directory for ", shown, ": ", error.message()));
  }
  std::string temporary = absl::StrCat(target, ".tmp.XXXXXX");
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0) return CannotWrite(shown, errno);
  if (const int failed = WriteAll(fd, content); failed != 0) {
    ::close(fd);
    ::unlink(temporary.c_str());
    return CannotWrite(shown, failed);
  }
  ::fchmod(fd, mode);
  if (::fsync(fd) != 0 || ::close(fd) != 0 || std::rename(temporary.c_str(), target.c_str()) != 0) {
    const int failed = errno;
    ::unlink(temporary.c_str());
    return CannotWrite(shown, failed);
  }
  return absl::OkStatus();
}

absl::Status WriteThrough(const std::string& path, absl::string_view content) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return CannotWrite(path, errno);
  const int failed = WriteAll(fd, content);
  if (::close(fd) != 0 && failed == 0 && errno != EINTR) return CannotWrite(path, errno);
  return failed == 0 ? absl::OkStatus() : CannotWrite(path, failed);
}

}  // namespace

absl::Status WriteReportFile(const std::string& path, absl::string_view content) {
  if (path == kStandardOutputPath) {
    std::fflush(stdout);  // whatever the console report left in stdio's buffer goes first
    const int failed = WriteAll(STDOUT_FILENO, content);
    return failed == 0 ? absl::OkStatus() : CannotWrite("standard output", failed);
  }
  struct stat status;
  if (::stat(path.c_str(), &status) == 0) {
    if (S_ISDIR(status.st_mode)) return CannotWrite(path, EISDIR);
    if (!S_ISREG(status.st_mode)) return WriteThrough(path, content);
    absl::StatusOr<std::string> target = FollowLinks(path);
    if (!target.ok()) return target.status();
    return WriteAtomically(path, *target, content, status.st_mode & 07777);
  }
  if (errno != ENOENT) return CannotWrite(path, errno);
  // Nothing there yet, or a link to nothing: the file is made where the
  // links lead.
  absl::StatusOr<std::string> target = FollowLinks(path);
  if (!target.ok()) return target.status();
  return WriteAtomically(path, *target, content, 0644);
}

std::string ReportTargetIdentity(const std::string& path) {
  struct stat status;
  const int found =
      path == kStandardOutputPath ? ::fstat(STDOUT_FILENO, &status) : ::stat(path.c_str(), &status);
  if (found == 0) return absl::StrCat("inode ", status.st_dev, ":", status.st_ino);
  std::error_code error;
  absl::StatusOr<std::string> target = FollowLinks(path);
  fs::path absolute = fs::absolute(target.ok() ? *target : path, error);
  // A parent that exists is resolved through its links too.
  if (fs::path parent = fs::weakly_canonical(absolute.parent_path(), error); !error) {
    absolute = parent / absolute.filename();
  }
  return absl::StrCat("path ", absolute.lexically_normal().string());
}

absl::Status CheckDistinctReportPaths(
    const std::vector<std::pair<std::string, std::string>>& flags_and_paths) {
  std::map<std::string, const std::pair<std::string, std::string>*> seen;
  for (const auto& flag_and_path : flags_and_paths) {
    if (flag_and_path.second.empty()) continue;
    const auto [at, inserted] =
        seen.emplace(ReportTargetIdentity(flag_and_path.second), &flag_and_path);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          at->second->first, " ", at->second->second, " and ", flag_and_path.first, " ",
          flag_and_path.second, " name the same file: each report needs a file of its own"));
    }
  }
  return absl::OkStatus();
}

bool IsWrittenThrough(const std::string& path) {
  if (path == kStandardOutputPath) return true;
  struct stat status;
  return ::stat(path.c_str(), &status) == 0 && !S_ISREG(status.st_mode);
}

}  // namespace racelab
