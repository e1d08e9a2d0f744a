// Fuzzes the parser of the result file a catalog case's child writes: a
// child killed mid-write, or a case's own output, may leave anything there.
// What it accepts must survive a format-parse round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "harness/catalog/child_result.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<racelab::ChildResult> result = racelab::ParseChildResult(text);
  if (!result.ok()) return 0;
  absl::StatusOr<racelab::ChildResult> again =
      racelab::ParseChildResult(racelab::FormatChildResult(*result));
  if (!again.ok() || again->observed != result->observed || again->oracle != result->oracle ||
      again->violation != result->violation) {
    std::abort();  // a result the parser accepts must format back to itself
  }
  return 0;
}
