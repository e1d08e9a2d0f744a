// A record file's text: read from disk in one piece, and the complete
// lines a writer that died mid-line left (see record_file.h); parsing it is
// record_file.cc's.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "harness/lockorder/record_file.h"

namespace racelab::lockorder {

std::string CompleteRecordText(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    if (newline == absl::string_view::npos) break;  // after the last line: zeros, or a fragment
    absl::string_view line = text.substr(0, newline + 1);
    text.remove_prefix(newline + 1);
    // A line ends in its newline, written last: zeros before it are lines
    // (or the zero bytes grown ahead) that a dying process never finished.
    const std::size_t last_zero = line.rfind('\0');
    if (last_zero != absl::string_view::npos) {
      line.remove_prefix(last_zero + 1);
      if (line.size() == 1) continue;  // only the newline of a line it did finish
    }
    out.append(line.data(), line.size());
  }
  if (!text.empty() && text.find('\0') == absl::string_view::npos) {
    out.append(text.data(), text.size());  // no zeros after it: a truncated file, refused below
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
  // Read in one piece where the size is known (a record file grown by a
  // million edges is tens of megabytes: one copy of it, not a stream's
  // growing buffer and then another).
  std::string text;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0 && in) {
    text.resize(static_cast<std::size_t>(size));
    in.read(text.data(), size);
    text.resize(static_cast<std::size_t>(in.gcount()));
  } else {
    in.clear();
    std::ostringstream stream;
    stream << in.rdbuf();
    text = std::move(stream).str();
  }
  return ParseRecording(text, path);
}

}  // namespace racelab::lockorder
