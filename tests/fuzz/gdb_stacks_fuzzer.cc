// Fuzzes the reading of gdb's `thread apply all bt` output (any function and
// file names the program's debug information holds, cut at the capture
// limit): every thread's stack for a hang's details.
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/detectors/watchdog_detector.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)racelab::StackLines(text);
  return 0;
}
