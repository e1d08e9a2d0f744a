// Symbolising recorded return addresses (module + offset) into function,
// file and line, with binutils' addr2line, after the run: never on a lock
// hook's path. One addr2line per module is started on first use and kept
// for the Symbolizer's lifetime (reading a large binary's debug information
// is most of its cost: 0.3 s for racelab's own tsan build), so share one
// Symbolizer across runs and cases. Call from one thread at a time per
// Symbolizer.
#ifndef RACELAB_HARNESS_DETECTORS_SYMBOLIZER_H_
#define RACELAB_HARNESS_DETECTORS_SYMBOLIZER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "harness/detectors/elf_data_symbols.h"
#include "harness/process/piped_process.h"

namespace racelab {

struct SourceFrame {
  std::string function;  // demangled; "??" when unknown
  std::string file;      // absolute, or "??"
  int line = 0;
};

// addr2line's output for `addresses` addresses, run as
// `addr2line -a -C -f -i -e MODULE ADDRESS...`: each address line ("0x...")
// is followed by its frames, two lines each (function, then file:line),
// innermost inline frame first. One frame list per address, in order; an
// address addr2line did not print has none. Pure: any text is accepted.
std::vector<std::vector<SourceFrame>> ParseAddr2lineOutput(absl::string_view text,
                                                           size_t addresses);

class Symbolizer {
 public:
  enum class Mode {
    kAddr2line,  // resolve with binutils' addr2line
    kNone,       // resolve nothing (no process is started): for fuzzing and tests
  };
  explicit Symbolizer(Mode mode = Mode::kAddr2line) : mode_(mode) {}
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;
  ~Symbolizer();

  // Frames for a return address `offset` in `module`, innermost inline frame
  // first. Looks up the call instruction (offset - 1). Empty when addr2line
  // is missing or knows nothing; results are cached per (module, offset).
  const std::vector<SourceFrame>& Frames(const std::string& module, std::uintptr_t offset);

  // Resolves many offsets of one module in one exchange with its addr2line.
  void Prefetch(const std::string& module, const std::vector<std::uintptr_t>& offsets);

  // Sanitizer reports name a module by its file name only ("racelab" in
  // "(racelab+0x2571b7)"): binaries racelab started are made known by path
  // (their addr2line starts at once), and KnownModulePath answers for a
  // file name (null when unknown).
  void KnowModule(const std::string& path);
  const std::string* KnownModulePath(absl::string_view file_name) const;

  // The demangled name of the variable at `offset` in `module` (from its
  // symbol tables, not addr2line); nullopt when unknown, or in kNone mode.
  std::optional<std::string> VariableAt(const std::string& module, std::uintptr_t offset) {
    if (mode_ == Mode::kNone) return std::nullopt;
    return data_symbols_.NameAt(module, offset);
  }

  // How many addr2line processes this Symbolizer has started (for tests).
  int processes_started() const { return processes_started_; }

 private:
  // The module's addr2line, started on first use; null when it cannot start.
  PipedProcess* Addr2lineFor(const std::string& module);

  Mode mode_;
  int processes_started_ = 0;
  std::map<std::string, std::unique_ptr<PipedProcess>> addr2line_;  // by module
  std::map<std::string, std::string, std::less<>> known_modules_;   // file name -> path
  std::map<std::pair<std::string, std::uintptr_t>, std::vector<SourceFrame>> cache_;
  ElfDataSymbols data_symbols_;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_SYMBOLIZER_H_
