// racelab-lockorder — the lock-order report tool. `report FILE...` merges
// record files written by the lock-order checker (any number of processes
// and runs), prints every cycle with its threads and acquisition sites, and
// optionally writes JSON and DOT (plus SVG when graphviz's `dot` is on PATH).
// Exit 0: no cycle; 1: cycles; 2: usage error or a file it cannot read.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "harness/detectors/lockorder_analysis.h"
#include "harness/model/build_info.h"
#include "harness/model/exit_status.h"
#include "harness/report/lockorder_writers.h"
#include "harness/report/report_file.h"
#include "harness/process/child_process.h"

namespace racelab {
namespace {

constexpr char kUsage[] =
    "usage: racelab-lockorder report FILE... [--json FILE] [--dot FILE] [--root DIR]\n"
    "  FILE       lock-order record files (racelab run --lockorder-dir DIR keeps them)\n"
    "  --json     also write the analysis as JSON (schema racelab-lockorder-report/1)\n"
    "  --dot      also write the graph as DOT, and FILE.svg when graphviz is installed\n"
    "             (FILE '-' is standard output; the text then goes to standard error;\n"
    "             a device or FIFO is written through, never replaced)\n"
    "  --root     source root that sites are shown relative to (default: racelab's own)\n"
    "exit: 0 no cycle, 1 cycles found, 2 usage error or bad input\n";

int Usage(const std::string& problem) {
  std::cerr << "racelab-lockorder: " << problem << "\n" << kUsage;
  return kExitFailure;
}

// Writes `dot_path`'s SVG beside it with graphviz; false when dot is missing.
bool RenderSvg(const std::string& dot_path, std::string& svg_path) {
  svg_path = absl::EndsWith(dot_path, ".dot") ? dot_path.substr(0, dot_path.size() - 4) + ".svg"
                                              : dot_path + ".svg";
  ChildSpec spec;
  spec.argv = {"dot", "-Tsvg", "-o", svg_path, dot_path};
  spec.timeout = absl::Seconds(60);
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  return outcome.ok() && outcome->end == ChildOutcome::End::kExited && outcome->exit_code == 0;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? kExitFailure : kExitSuccess;
  }
  if (args[0] != "report") return Usage(absl::StrCat("unknown command '", args[0], "'"));
  std::vector<std::string> files;
  std::string json_path, dot_path, root = ThisBuild().source_root;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--json" || arg == "--dot" || arg == "--root") {
      if (i + 1 >= args.size()) return Usage(absl::StrCat(arg, " needs a value"));
      (arg == "--json" ? json_path : arg == "--dot" ? dot_path : root) = args[++i];
    } else if (absl::StartsWith(arg, "--")) {
      return Usage(absl::StrCat("unknown option '", arg, "'"));
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) return Usage("no record FILE given");
  if (absl::Status distinct = CheckDistinctReportPaths({{"--json", json_path}, {"--dot", dot_path}});
      !distinct.ok()) {
    return Usage(std::string(distinct.message()));
  }

  Symbolizer symbolizer;
  absl::StatusOr<LockOrderAnalysis> analysis = AnalyzeLockOrder(files, root, symbolizer);
  if (!analysis.ok()) {
    std::cerr << "racelab-lockorder: " << analysis.status().message() << "\n";
    return kExitFailure;
  }
  std::ostream& text =
      json_path == kStandardOutputPath || dot_path == kStandardOutputPath ? std::cerr : std::cout;
  text << FormatLockOrderText(*analysis) << std::flush;
  if (!json_path.empty()) {
    if (absl::Status s = WriteReportFile(json_path, FormatLockOrderJson(*analysis)); !s.ok()) {
      std::cerr << "racelab-lockorder: " << s.message() << "\n";
      return kExitFailure;
    }
  }
  if (!dot_path.empty()) {
    if (absl::Status s = WriteReportFile(dot_path, FormatLockOrderDot(*analysis)); !s.ok()) {
      std::cerr << "racelab-lockorder: " << s.message() << "\n";
      return kExitFailure;
    }
    // An SVG goes beside a DOT file only: never next to a device or a pipe.
    std::string svg_path;
    if (IsWrittenThrough(dot_path)) {
      text << "graph: " << dot_path << " (no SVG: it is not a regular file)\n";
    } else if (RenderSvg(dot_path, svg_path)) {
      text << "graph: " << dot_path << ", " << svg_path << "\n";
    } else {
      text << "graph: " << dot_path << " (no SVG: graphviz's dot is not installed)\n";
    }
  }
  return analysis->UnguardedCycles() > 0 ? kExitFindings : kExitSuccess;
}

}  // namespace
}  // namespace racelab

int main(int argc, char** argv) { return racelab::Main(argc, argv); }
