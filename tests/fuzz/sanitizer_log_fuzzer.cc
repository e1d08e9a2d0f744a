// Fuzzes the ThreadSanitizer and AddressSanitizer/UBSan log parsers. racelab
// reads every sanitizer log with both (the runtimes share log files), and
// the program's own output too, which may be anything.
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/detectors/asan_report_parser.h"
#include "harness/detectors/tsan_report_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)racelab::ParseTsanOutput(text, "/src");
  (void)racelab::ParseAsanOutput(text, "/src");
  return 0;
}
