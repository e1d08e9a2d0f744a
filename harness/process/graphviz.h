// Drawing a DOT graph as SVG with graphviz's `dot`, for the HTML report.
// Runs `dot` as a child process under a timeout. Any thread.
#ifndef RACELAB_HARNESS_PROCESS_GRAPHVIZ_H_
#define RACELAB_HARNESS_PROCESS_GRAPHVIZ_H_

#include <string>

#include "absl/status/statusor.h"

namespace racelab {

// The SVG document `dot -Tsvg` makes of `dot_text`. NotFound when graphviz
// is not installed; Internal with dot's complaint when it fails.
absl::StatusOr<std::string> RenderDotToSvg(const std::string& dot_text);

}  // namespace racelab

#endif  // RACELAB_HARNESS_PROCESS_GRAPHVIZ_H_
