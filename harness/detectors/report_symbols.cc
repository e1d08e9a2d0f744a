// Symbolising unsymbolised sanitizer report frames (see report_symbols.h).
#include "harness/detectors/report_symbols.h"

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace racelab {
namespace {

constexpr absl::string_view kUnknownFunctionAndFile = "<null> <null> ";

// An unsymbolised frame line: "    #3 <null> <null> (racelab+0x2571b7)",
// possibly followed by " (BuildId: ...)".
struct RawFrame {
  absl::string_view indent_and_number;  // "    #3 "
  absl::string_view module;             // "racelab"
  std::uintptr_t offset = 0;            // 0x2571b7
  absl::string_view module_group;       // "(racelab+0x2571b7)" and what follows it
};

std::optional<RawFrame> ParseRawFrame(absl::string_view line) {
  const size_t hash = line.find('#');
  if (hash == absl::string_view::npos ||
      !absl::StripAsciiWhitespace(line.substr(0, hash)).empty()) {
    return std::nullopt;
  }
  const size_t number_end = line.find(' ', hash);
  if (number_end == absl::string_view::npos || number_end == hash + 1) return std::nullopt;
  absl::string_view rest = line.substr(number_end + 1);
  if (!absl::ConsumePrefix(&rest, kUnknownFunctionAndFile) || !absl::ConsumePrefix(&rest, "(")) {
    return std::nullopt;
  }
  const size_t close = rest.find(')');
  if (close == absl::string_view::npos) return std::nullopt;
  const absl::string_view inner = rest.substr(0, close);
  const size_t plus = inner.rfind("+0x");
  if (plus == absl::string_view::npos || plus == 0) return std::nullopt;
  RawFrame frame;
  frame.indent_and_number = line.substr(0, number_end + 1);
  frame.module = inner.substr(0, plus);
  if (!absl::SimpleHexAtoi(inner.substr(plus + 3), &frame.offset)) return std::nullopt;
  frame.module_group = line.substr(number_end + 1 + kUnknownFunctionAndFile.size());
  return frame;
}

}  // namespace

std::string SymbolizeReportFrames(absl::string_view text, Symbolizer& symbolizer) {
  const std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  // One exchange per module: every offset first, then the lines.
  std::map<std::string, std::vector<std::uintptr_t>> wanted;
  for (absl::string_view line : lines) {
    const std::optional<RawFrame> frame = ParseRawFrame(line);
    if (!frame) continue;
    const std::string* path = symbolizer.KnownModulePath(frame->module);
    if (path != nullptr) wanted[*path].push_back(frame->offset + 1);
  }
  if (wanted.empty()) return std::string(text);
  for (const auto& [path, offsets] : wanted) symbolizer.Prefetch(path, offsets);

  std::string out;
  out.reserve(text.size() * 2);
  for (size_t i = 0; i < lines.size(); ++i) {
    const absl::string_view line = lines[i];
    const std::optional<RawFrame> frame = ParseRawFrame(line);
    const std::string* path = frame ? symbolizer.KnownModulePath(frame->module) : nullptr;
    const std::vector<SourceFrame>* resolved =
        path != nullptr ? &symbolizer.Frames(*path, frame->offset + 1) : nullptr;
    if (resolved == nullptr || resolved->empty() || resolved->front().function == "??") {
      out.append(line.data(), line.size());
    } else {
      for (size_t f = 0; f < resolved->size(); ++f) {
        const SourceFrame& source = (*resolved)[f];
        if (f > 0) out.push_back('\n');
        absl::StrAppend(&out, frame->indent_and_number, source.function, " ",
                        source.file == "??" ? "<null>" : source.file);
        if (source.line > 0) absl::StrAppend(&out, ":", source.line);
        absl::StrAppend(&out, " ", frame->module_group);
      }
    }
    if (i + 1 < lines.size()) out.push_back('\n');
  }
  return out;
}

}  // namespace racelab
