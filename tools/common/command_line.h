// The one command-line style of racelab's tools (`racelab`,
// `racelab-lockorder`): `TOOL VERB [ARGUMENTS...] [-- PROGRAM [ARGS...]]`,
// where a flag takes a value, given as `--flag VALUE` or `--flag=VALUE`, a
// switch (`--perturb`) takes none, and anything else before `--` is an
// operand. Pure; any thread.
#ifndef RACELAB_TOOLS_COMMON_COMMAND_LINE_H_
#define RACELAB_TOOLS_COMMON_COMMAND_LINE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace racelab {

struct VerbArguments {
  // (--flag, value), as given; a switch's value is "".
  std::vector<std::pair<std::string, std::string>> flags;
  std::vector<std::string> operands;  // in order
  bool has_program = false;           // `--` was given
  std::vector<std::string> program;   // what follows `--`
};

// Splits the arguments after verb `verb`. `known_flags` are the flags it
// takes ("--json", ...), `known_switches` its switches. InvalidArgument with
// a one-line message for an unknown flag ("unknown option '--x' for
// 'run'"), a flag with no value ("--json needs a value"), a switch with one
// ("--perturb takes no value") and a `--` with nothing after it.
absl::StatusOr<VerbArguments> SplitVerbArguments(
    const std::vector<std::string>& args, absl::string_view verb,
    const std::vector<std::string>& known_flags,
    const std::vector<std::string>& known_switches = {});

}  // namespace racelab

#endif  // RACELAB_TOOLS_COMMON_COMMAND_LINE_H_
