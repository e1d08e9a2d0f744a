// addr2line-based symbolisation (see symbolizer.h).
#include "harness/detectors/symbolizer.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "harness/runner/child_process.h"

namespace racelab {

std::vector<std::vector<SourceFrame>> ParseAddr2lineOutput(absl::string_view text,
                                                           size_t addresses) {
  std::vector<std::vector<SourceFrame>> frames(addresses);
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  std::vector<SourceFrame>* current = nullptr;
  size_t next_address = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const absl::string_view line = lines[i];
    if (absl::StartsWith(line, "0x")) {
      current = next_address < addresses ? &frames[next_address++] : nullptr;
      continue;
    }
    if (current == nullptr || line.empty() || i + 1 >= lines.size()) continue;
    SourceFrame frame;
    frame.function = std::string(line);
    const absl::string_view location = lines[++i];
    const size_t colon = location.rfind(':');
    frame.file = std::string(location.substr(0, colon));
    if (colon != absl::string_view::npos) {
      absl::string_view number = location.substr(colon + 1);
      number = number.substr(0, number.find(' '));  // " (discriminator N)"
      if (!absl::SimpleAtoi(number, &frame.line)) frame.line = 0;
    }
    current->push_back(std::move(frame));
  }
  return frames;
}

void Symbolizer::Prefetch(const std::string& module, const std::vector<std::uintptr_t>& offsets) {
  std::vector<std::uintptr_t> missing;
  for (std::uintptr_t offset : offsets) {
    if (cache_.count({module, offset}) == 0) missing.push_back(offset);
  }
  if (missing.empty()) return;
  for (std::uintptr_t offset : missing) cache_[{module, offset}];  // known, even if unresolved
  if (mode_ == Mode::kNone) return;

  // -a prints each address before its frames, which separates the inline
  // chains (-i) of consecutive addresses.
  ChildSpec spec;
  spec.argv = {"addr2line", "-a", "-C", "-f", "-i", "-e", module};
  for (std::uintptr_t offset : missing) {
    spec.argv.push_back(absl::StrCat("0x", absl::Hex(offset > 0 ? offset - 1 : 0)));
  }
  spec.timeout = absl::Seconds(30);
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  if (!outcome.ok() || outcome->end != ChildOutcome::End::kExited || outcome->exit_code != 0) return;

  std::vector<std::vector<SourceFrame>> frames =
      ParseAddr2lineOutput(outcome->output_head, missing.size());
  for (size_t i = 0; i < missing.size(); ++i) cache_[{module, missing[i]}] = std::move(frames[i]);
}

const std::vector<SourceFrame>& Symbolizer::Frames(const std::string& module,
                                                   std::uintptr_t offset) {
  Prefetch(module, {offset});
  return cache_[{module, offset}];
}

}  // namespace racelab
