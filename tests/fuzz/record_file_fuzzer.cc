// Fuzzes the lock-order record file parser and everything that reads what
// it accepts: the per-run findings, the wait-for diagnosis and the
// cross-file analysis (whose lock graph aborted on a self-edge before the
// parser refused one). A program under test can write anything into its
// record file; none of it may crash, hang or exhaust racelab.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/detectors/lockorder_analysis.h"
#include "harness/detectors/lockorder_findings.h"
#include "harness/detectors/symbolizer.h"
#include "harness/detectors/wait_for_findings.h"
#include "harness/lockorder/record_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<racelab::lockorder::Recording> recording =
      racelab::lockorder::ParseRecording(text, "fuzz.lockorder");
  if (!recording.ok()) return 0;
  racelab::Symbolizer symbolizer(racelab::Symbolizer::Mode::kNone);
  (void)racelab::LockOrderFindings(*recording, "/src", symbolizer);
  (void)racelab::WaitForFinding(*recording, "/src", symbolizer, "1s");
  // Twice: the analysis also merges files (classes across processes).
  (void)racelab::AnalyzeRecordings({*recording, *recording}, "/src", symbolizer);
  return 0;
}
