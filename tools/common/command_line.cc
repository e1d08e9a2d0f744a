// Splitting a verb's arguments (see command_line.h).
#include "tools/common/command_line.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace racelab {

absl::StatusOr<VerbArguments> SplitVerbArguments(const std::vector<std::string>& args,
                                                 absl::string_view verb,
                                                 const std::vector<std::string>& known_flags,
                                                 const std::vector<std::string>& known_switches) {
  const auto known = [&known_flags](const std::string& flag) {
    return std::find(known_flags.begin(), known_flags.end(), flag) != known_flags.end();
  };
  const auto is_switch = [&known_switches](const std::string& flag) {
    return std::find(known_switches.begin(), known_switches.end(), flag) != known_switches.end();
  };
  VerbArguments split;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    if (flag == "--") {
      split.has_program = true;
      split.program.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      if (split.program.empty()) {
        return absl::InvalidArgumentError("'--' must be followed by a PROGRAM");
      }
      break;
    }
    if (!absl::StartsWith(flag, "-") || flag == "-") {
      split.operands.push_back(flag);
      continue;
    }
    std::string value;
    bool has_value = false;
    if (const size_t equals = flag.find('='); equals != std::string::npos) {
      value = flag.substr(equals + 1);
      flag = flag.substr(0, equals);
      has_value = true;
    }
    if (is_switch(flag)) {
      if (has_value) return absl::InvalidArgumentError(absl::StrCat(flag, " takes no value"));
      split.flags.emplace_back(std::move(flag), std::string());
      continue;
    }
    if (!known(flag)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option '", flag, "' for '", verb, "'"));
    }
    if (!has_value) {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
      value = args[++i];
    }
    split.flags.emplace_back(std::move(flag), std::move(value));
  }
  return split;
}

}  // namespace racelab
