// The fields of one record-file line, for the reader (record_file.cc):
// numbers, hex, id lists, each refused with "<path>:<line>: <what>", and
// junk bytes shown printable in those messages. Internal to the reader.
#ifndef RACELAB_HARNESS_LOCKORDER_RECORD_LINE_PARSER_H_
#define RACELAB_HARNESS_LOCKORDER_RECORD_LINE_PARSER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "harness/lockorder/records.h"

namespace racelab::lockorder::record_file_internal {

// `text` with bytes that are not printable ASCII shown as \xNN, for error
// messages about binary junk.
inline std::string Printable(absl::string_view text) {
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
  int line_number() const { return line_number_; }

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

#define RETURN_IF_ERROR(expr)                       \
  do {                                              \
    if (absl::Status s = (expr); !s.ok()) return s; \
  } while (false)

}  // namespace racelab::lockorder::record_file_internal

#endif  // RACELAB_HARNESS_LOCKORDER_RECORD_LINE_PARSER_H_
