// addr2line-based symbolisation (see symbolizer.h).
#include "harness/detectors/symbolizer.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

namespace racelab {
namespace {

// An address no module maps, asked after every request: addr2line answers
// it with unknown function and file, and that answer ends the exchange.
constexpr absl::string_view kSentinelAddress = "0xffffffffffffffff";
constexpr absl::string_view kSentinelAnswer = "0xffffffffffffffff\n??\n??:0\n";
constexpr absl::Duration kAnswerTimeout = absl::Seconds(30);

}  // namespace

Symbolizer::~Symbolizer() = default;

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
  // chains (-i) of consecutive addresses; the answer to the sentinel address
  // after them (nothing is mapped there) marks the end of the answer.
  PipedProcess* process = Addr2lineFor(module);
  if (process == nullptr) return;  // no addr2line: locations stay unknown
  std::string request;
  for (std::uintptr_t offset : missing) {
    absl::StrAppend(&request, "0x", absl::Hex(offset > 0 ? offset - 1 : 0), "\n");
  }
  absl::StrAppend(&request, kSentinelAddress, "\n");
  absl::StatusOr<std::string> answer = process->Exchange(
      request, [](absl::string_view text) { return absl::EndsWith(text, kSentinelAnswer); },
      kAnswerTimeout);
  if (!answer.ok()) {
    addr2line_.erase(
        module);  // it ended (not an object file, or it died): a later call starts another
    return;
  }
  std::vector<std::vector<SourceFrame>> frames = ParseAddr2lineOutput(*answer, missing.size());
  for (size_t i = 0; i < missing.size(); ++i) cache_[{module, missing[i]}] = std::move(frames[i]);
}

PipedProcess* Symbolizer::Addr2lineFor(const std::string& module) {
  std::unique_ptr<PipedProcess>& process = addr2line_[module];
  if (process == nullptr) {
    absl::StatusOr<std::unique_ptr<PipedProcess>> started =
        PipedProcess::Start({"addr2line", "-a", "-C", "-f", "-i", "-e", module});
    if (!started.ok()) {
      addr2line_.erase(module);
      return nullptr;
    }
    process = *std::move(started);
    ++processes_started_;
  }
  return process.get();
}

void Symbolizer::KnowModule(const std::string& path) {
  const size_t slash = path.rfind('/');
  const auto [it, inserted] = known_modules_.insert_or_assign(
      slash == std::string::npos ? path : path.substr(slash + 1), path);
  // addr2line reads the module's symbols and debug information as it
  // starts: started now, it does so while the first runs go on.
  if (inserted && mode_ == Mode::kAddr2line) Addr2lineFor(path);
}

const std::string* Symbolizer::KnownModulePath(absl::string_view file_name) const {
  const auto it = known_modules_.find(file_name);
  return it == known_modules_.end() ? nullptr : &it->second;
}

const std::vector<SourceFrame>& Symbolizer::Frames(const std::string& module,
                                                   std::uintptr_t offset) {
  Prefetch(module, {offset});
  return cache_[{module, offset}];
}

}  // namespace racelab
