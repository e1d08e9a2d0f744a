// Symbolising recorded return addresses (module + offset) into function,
// file and line, with binutils' addr2line, after the run: never on a lock
// hook's path. Call from one thread at a time per Symbolizer.
#ifndef RACELAB_HARNESS_DETECTORS_SYMBOLIZER_H_
#define RACELAB_HARNESS_DETECTORS_SYMBOLIZER_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace racelab {

struct SourceFrame {
  std::string function;  // demangled; "??" when unknown
  std::string file;      // absolute, or "??"
  int line = 0;
};

class Symbolizer {
 public:
  // Frames for a return address `offset` in `module`, innermost inline frame
  // first. Looks up the call instruction (offset - 1). Empty when addr2line
  // is missing or knows nothing; results are cached per (module, offset).
  const std::vector<SourceFrame>& Frames(const std::string& module, std::uintptr_t offset);

  // Resolves many offsets of one module with a single addr2line process.
  void Prefetch(const std::string& module, const std::vector<std::uintptr_t>& offsets);

 private:
  std::map<std::pair<std::string, std::uintptr_t>, std::vector<SourceFrame>> cache_;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_SYMBOLIZER_H_
