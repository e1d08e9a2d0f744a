// Fuzzes the reading of addr2line's output (binutils prints what the debug
// information says: any file name, any function name, truncated when the
// output is cut). The first byte chooses how many addresses were asked for.
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/detectors/symbolizer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)racelab::ParseAddr2lineOutput(text, data[0]);
  return 0;
}
