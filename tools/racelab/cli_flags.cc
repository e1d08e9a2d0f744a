// `racelab` command-line parsing (see cli_flags.h).
#include "tools/racelab/cli_flags.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace racelab {
namespace {

constexpr int kMaxRepeat = 100'000;

absl::Status Usage(absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(message, " (see 'racelab --help')"));
}

}  // namespace

std::string UsageText() {
  return R"(racelab — find concurrency bugs in a catalog of threading patterns, and prove their fixes.

Usage:
  racelab list
      Every case id with its expect and the finding kinds a racy variant must produce.
  racelab run [--filter GLOB] [--repeat N] [--timeout SECONDS] [--json FILE]
              [--junit FILE] [--lockorder-dir DIR]
      Run catalog cases, each run in its own child process, and print the table.
        --filter GLOB      only case ids matching GLOB ('*' and '?'), e.g. 'counter/*'
        --repeat N         runs per case (default 1)
        --timeout SECONDS  per-run wall-clock limit, overriding each case's own
                           (default: the case's own, else 5 s)
        --json FILE        also write the JSON report (schema racelab-report/1)
        --junit FILE       also write a JUnit XML report (a testsuite per pattern)
        --lockorder-dir DIR  keep each run's lock-order record files in DIR, for
                           'racelab-lockorder report DIR/*.lockorder'

Exit codes: 0 everything as expected; 1 a miss or a false positive; 2 usage
error, bad input, or a case the harness could not run.
)";
}

absl::StatusOr<Command> ParseCommandLine(const std::vector<std::string>& args) {
  Command command;
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    return command;
  }
  const std::string& verb = args[0];
  if (verb == "list") {
    if (args.size() > 1) return Usage(absl::StrCat("'list' takes no arguments, got '", args[1], "'"));
    command.verb = Command::Verb::kList;
    return command;
  }
  if (verb == "__child") {
    if (args.size() != 3) return Usage("__child takes CASE_ID RESULT_FILE");
    command.verb = Command::Verb::kChild;
    command.child_case_id = args[1];
    command.child_result_path = args[2];
    return command;
  }
  if (verb != "run") return Usage(absl::StrCat("unknown command '", verb, "'"));

  command.verb = Command::Verb::kRun;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string flag = args[i];
    if (flag == "--") {
      command.program.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      if (command.program.empty()) return Usage("'--' must be followed by a PROGRAM");
      break;
    }
    std::optional<std::string> value;
    if (const size_t equals = flag.find('='); absl::StartsWith(flag, "--") && equals != std::string::npos) {
      value = flag.substr(equals + 1);
      flag = flag.substr(0, equals);
    }
    auto take_value = [&]() -> absl::StatusOr<std::string> {
      if (value) return *value;
      if (i + 1 >= args.size()) return Usage(absl::StrCat(flag, " needs a value"));
      return args[++i];
    };
    if (flag == "--filter") {
      absl::StatusOr<std::string> v = take_value();
      if (!v.ok()) return v.status();
      command.filter = *v;
    } else if (flag == "--repeat") {
      absl::StatusOr<std::string> v = take_value();
      if (!v.ok()) return v.status();
      if (!absl::SimpleAtoi(*v, &command.repeat) || command.repeat < 1 || command.repeat > kMaxRepeat) {
        return Usage(absl::StrCat("--repeat wants a whole number from 1 to ", kMaxRepeat, ", got '", *v, "'"));
      }
    } else if (flag == "--timeout") {
      absl::StatusOr<std::string> v = take_value();
      if (!v.ok()) return v.status();
      double seconds = 0;
      if (!absl::SimpleAtod(*v, &seconds) || !(seconds > 0) || seconds > 86400) {
        return Usage(absl::StrCat("--timeout wants seconds, more than 0 and at most 86400, got '", *v, "'"));
      }
      command.timeout = absl::Seconds(seconds);
    } else if (flag == "--lockorder-dir") {
      absl::StatusOr<std::string> v = take_value();
      if (!v.ok()) return v.status();
      if (v->empty()) return Usage("--lockorder-dir needs a directory");
      command.lockorder_dir = *v;
    } else if (flag == "--json") {
      absl::StatusOr<std::string> v = take_value();
      if (!v.ok()) return v.status();
      if (v->empty()) return Usage("--json needs a file name");
      command.json_path = *v;
    } else if (flag == "--junit") {
      absl::StatusOr<std::string> v = take_value();
      if (!v.ok()) return v.status();
      if (v->empty()) return Usage("--junit needs a file name");
      command.junit_path = *v;
    } else {
      return Usage(absl::StrCat("unknown option '", flag, "' for 'run'"));
    }
  }
  return command;
}

}  // namespace racelab
