// graphviz rendering (see graphviz.h).
#include "harness/process/graphviz.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "harness/process/child_process.h"

namespace racelab {
namespace {

constexpr absl::Duration kDotTimeout = absl::Seconds(30);
constexpr size_t kMaxSvgBytes = 16 * 1024 * 1024;

}  // namespace

absl::StatusOr<std::string> RenderDotToSvg(const std::string& dot_text) {
  const char* tmp = std::getenv("TMPDIR");
  std::string path =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/racelab-graph.XXXXXX");
  const int fd = ::mkstemp(path.data());
  if (fd < 0) return absl::InternalError("cannot create a temporary file for the graph");
  ::close(fd);
  std::ofstream(path) << dot_text;
  ChildSpec spec;
  spec.argv = {"dot", "-Tsvg", path};
  spec.timeout = kDotTimeout;
  spec.output_keep_head = kMaxSvgBytes;
  spec.output_limit = kMaxSvgBytes;
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  ::unlink(path.c_str());
  if (!outcome.ok()) {
    if (absl::IsNotFound(outcome.status())) {
      return absl::NotFoundError("graphviz's dot is not installed (Debian package graphviz)");
    }
    return outcome.status();
  }
  const std::string& output = outcome->output_head;
  const size_t start = output.find("<svg");
  const size_t end = output.rfind("</svg>");
  if (outcome->end != ChildOutcome::End::kExited || outcome->exit_code != 0 ||
      start == std::string::npos || end == std::string::npos) {
    return absl::InternalError(
        absl::StrCat("dot failed (", DescribeEnd(*outcome), "): ", output.substr(0, 300)));
  }
  return output.substr(start, end + 6 - start);
}

}  // namespace racelab
