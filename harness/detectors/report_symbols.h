// Symbolising a sanitizer report after the run. Catalog children run
// ThreadSanitizer with symbolize=0: each child reading racelab's debug
// information to symbolise its own report costs it 0.3 s, while the
// runner's one addr2line per module (symbolizer.h) answers in
// milliseconds. Such a report names frames as "#3 <null> <null>
// (racelab+0x2571b7)"; here each frame of a module the Symbolizer knows is
// rewritten as ThreadSanitizer would have printed it, one line per inline
// frame, innermost first ("#3 Push /src/q.h:12 (racelab+0x2571b7)"), so
// that the report parsers read either kind of report alike.
#ifndef RACELAB_HARNESS_DETECTORS_REPORT_SYMBOLS_H_
#define RACELAB_HARNESS_DETECTORS_REPORT_SYMBOLS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "harness/detectors/symbolizer.h"

namespace racelab {

// `text` with every unsymbolised frame of a module known to `symbolizer`
// (see Symbolizer::KnowModule) resolved; every other line as it was. A
// frame addr2line knows nothing of stays as it was. The offsets a
// sanitizer prints are those of the call instruction already (return
// address - 1).
std::string SymbolizeReportFrames(absl::string_view text, Symbolizer& symbolizer);

}  // namespace racelab

#endif  // RACELAB_HARNESS_DETECTORS_REPORT_SYMBOLS_H_
