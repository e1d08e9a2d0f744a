// The variables an ELF object defines, from its symbol tables: which one
// lies at an offset, demangled. How a report says what a hidden lock is
// (the guard of a static's initialisation is the variable "guard variable
// for Codecs()::table"); symbols of code are addr2line's business
// (symbolizer.h). Offsets are from the object's load bias, as the record
// file writes them, which is a symbol's own value for shared objects,
// position-independent and fixed-address executables alike.
#ifndef RACELAB_HARNESS_DETECTORS_ELF_DATA_SYMBOLS_H_
#define RACELAB_HARNESS_DETECTORS_ELF_DATA_SYMBOLS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace racelab {

struct DataSymbol {
  std::uintptr_t start = 0;
  std::uintptr_t size = 0;
  std::string name;  // mangled, as the symbol table has it
};

// The sized data symbols (STT_OBJECT, STT_TLS excepted) of the ELF64 image
// `image`, from .symtab and .dynsym, sorted by start. Pure; anything that
// is not a well-formed ELF64 image, or a section or name outside it, gives
// what could be read (possibly none), never a read out of bounds.
std::vector<DataSymbol> ReadDataSymbols(absl::string_view image);

// ReadDataSymbols of the file at `path` (mapped); none when it cannot be
// mapped (missing, not a regular file, empty).
std::vector<DataSymbol> ReadDataSymbolsOfFile(const std::string& path);

// Names variables by (object path, offset), reading each object's symbols
// once. Call from one thread at a time.
class ElfDataSymbols {
 public:
  // The demangled name of the variable covering `offset` in the object at
  // `path`; nullopt when it cannot be read or has no such symbol.
  std::optional<std::string> NameAt(const std::string& path, std::uintptr_t offset);

 private:
  std::map<std::string, std::vector<DataSymbol>> objects_;
};

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_ELF_DATA_SYMBOLS_H_
