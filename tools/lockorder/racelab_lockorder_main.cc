// racelab-lockorder — the lock-order report tool. `report FILE...` merges
// record files written by the lock-order checker (any number of processes
// and runs), prints every cycle with its threads and acquisition sites, and
// optionally writes JSON and DOT (plus SVG when graphviz's `dot` is installed).
// Exit 0: no cycle; 1: cycles; 2: usage error or a file it cannot read.
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "harness/detectors/lockorder_analysis.h"
#include "harness/model/build_info.h"
#include "harness/model/exit_status.h"
#include "harness/process/graphviz.h"
#include "harness/report/lockorder_writers.h"
#include "harness/report/report_file.h"
#include "tools/common/command_line.h"

namespace racelab {
namespace {

constexpr char kUsage[] =
    "usage: racelab-lockorder report FILE... [--json FILE] [--dot FILE] [--root DIR]\n"
    "  (each flag as '--flag VALUE' or '--flag=VALUE', as in racelab)\n"
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

// The SVG of `dot_text` beside `dot_path` (its name ending .svg instead of
// .dot), drawn by graphviz; what the text report says of it.
std::string WriteSvgBeside(const std::string& dot_path, const std::string& dot_text) {
  // An SVG goes beside a DOT file only: never next to a device or a pipe.
  if (IsWrittenThrough(dot_path)) {
    return absl::StrCat("graph: ", dot_path, " (no SVG: it is not a regular file)\n");
  }
  absl::StatusOr<std::string> svg = RenderDotToSvg(dot_text);
  if (!svg.ok()) {
    return absl::StrCat("graph: ", dot_path, " (no SVG: ", svg.status().message(), ")\n");
  }
  const std::string svg_path = absl::EndsWith(dot_path, ".dot")
                                   ? dot_path.substr(0, dot_path.size() - 4) + ".svg"
                                   : dot_path + ".svg";
  if (absl::Status written = WriteReportFile(svg_path, *svg); !written.ok()) {
    return absl::StrCat("graph: ", dot_path, " (no SVG: ", written.message(), ")\n");
  }
  return absl::StrCat("graph: ", dot_path, ", ", svg_path, "\n");
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? kExitFailure : kExitSuccess;
  }
  if (args[0] != "report") return Usage(absl::StrCat("unknown command '", args[0], "'"));
  absl::StatusOr<VerbArguments> split =
      SplitVerbArguments(std::vector<std::string>(args.begin() + 1, args.end()), "report",
                         {"--json", "--dot", "--root"});
  if (!split.ok()) return Usage(std::string(split.status().message()));
  if (split->has_program) return Usage("'report' runs no program: give record FILEs, not '--'");
  const std::vector<std::string>& files = split->operands;
  std::string json_path, dot_path, root = ThisBuild().source_root;
  for (const auto& [flag, value] : split->flags) {
    if (value.empty()) return Usage(absl::StrCat(flag, " needs a value"));
    (flag == "--json" ? json_path : flag == "--dot" ? dot_path : root) = value;
  }
  if (files.empty()) return Usage("no record FILE given");
  if (absl::Status distinct =
          CheckDistinctReportPaths({{"--json", json_path}, {"--dot", dot_path}});
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
    const std::string dot = FormatLockOrderDot(*analysis);
    if (absl::Status s = WriteReportFile(dot_path, dot); !s.ok()) {
      std::cerr << "racelab-lockorder: " << s.message() << "\n";
      return kExitFailure;
    }
    text << WriteSvgBeside(dot_path, dot);
  }
  return analysis->UnguardedCycles() > 0 ? kExitFindings : kExitSuccess;
}

}  // namespace
}  // namespace racelab

int main(int argc, char** argv) { return racelab::Main(argc, argv); }
