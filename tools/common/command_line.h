// The one command-line style of racelab's tools (`racelab`,
// `racelab-lockorder`): `TOOL VERB [ARGUMENTS...] [-- PROGRAM [ARGS...]]`,
// where every flag takes a value, given as `--flag VALUE` or `--flag=VALUE`,
// and anything else before `--` is an operand. Pure; any thread.
#ifndef RACELAB_TOOLS_COMMON_COMMAND_LINE_H_
#define RACELAB_TOOLS_COMMON_COMMAND_LINE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace racelab {

struct VerbArguments {
  std::vector<std::pair<std::string, std::string>> flags;  // (--flag, value), as given
  std::vector<std::string> operands;                       // in order
  bool has_program = false;                                // `--` was given
  std::vector<std::string> program;                        // what follows `--`
};

// Splits the arguments after verb `verb`. `known_flags` are the flags it
// takes ("--json", ...). InvalidArgument with a one-line message for an
// unknown flag ("unknown option '--x' for 'run'"), a flag with no value
// ("--json needs a value") and a `--` with nothing after it.
absl::StatusOr<VerbArguments> SplitVerbArguments(const std::vector<std::string>& args,
                                                 absl::string_view verb,
                                                 const std::vector<std::string>& known_flags);

}  // namespace racelab

#endif  // RACELAB_TOOLS_COMMON_COMMAND_LINE_H_
