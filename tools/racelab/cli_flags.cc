// `racelab` command-line parsing (see cli_flags.h).
#include "tools/racelab/cli_flags.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "harness/schedule/pct_schedule.h"
#include "tools/common/command_line.h"

namespace racelab {
namespace {

constexpr int kMaxRepeat = 100'000;
constexpr int kMaxJobs = 1024;
constexpr int kMaxShards = 100'000;

absl::Status Usage(absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(message, " (see 'racelab --help')"));
}

// The report formats' flags and help lines (the writers live in racelab_report).
struct ReportFlag {
  absl::string_view name;
  absl::string_view help;
};
constexpr ReportFlag kReportFlags[] = {
#define RACELAB_REPORT_FORMAT(name, help, writer) {name, help},
#include "harness/report/report_formats.def"
};

// The report format a flag names ("--json" → "json"); nullptr for other flags.
const ReportFlag* ReportFlagNamed(absl::string_view flag) {
  if (!absl::ConsumePrefix(&flag, "--")) return nullptr;
  for (const ReportFlag& report : kReportFlags) {
    if (report.name == flag) return &report;
  }
  return nullptr;
}

// The Command field a flag that takes a path fills; nullptr for other flags.
std::string* PathFlag(Command& command, absl::string_view flag) {
  if (const ReportFlag* report = ReportFlagNamed(flag)) {
    return &command.report_paths[std::string(report->name)];
  }
  if (flag == "--lockorder-dir") return &command.lockorder_dir;
  return nullptr;
}

}  // namespace

std::string UsageText() {
  std::string reports;
  for (const ReportFlag& report : kReportFlags) {
    absl::StrAppendFormat(&reports, "        %-18s %s\n", absl::StrCat("--", report.name, " FILE"),
                          report.help);
  }
  return absl::StrCat(
      R"(racelab — find concurrency bugs in a catalog of threading patterns, and prove their fixes.

Usage:
  racelab list
      Every case id with its expect and the finding kinds a racy variant must produce.
  racelab merge REPORT.json... [REPORTS...]
      Join the JSON reports of a session's shards (--shard I/N) into one: the
      cases in order, runs and findings added up, verdicts graded again.
  racelab run [--filter GLOB] [--repeat N] [--timeout SECONDS] [--perturb] [REPORTS...]
      Run catalog cases, each run in its own child process, and print the table.
  racelab run [--repeat N] [--timeout SECONDS] [--expect bug|clean] [REPORTS...]
              -- PROGRAM [ARGS...]
      Run a program of your own as a case (black-box mode): lock-order checking
      through a preload library, the watchdog (deadlocks as their wait-for
      cycle closes, hangs once every thread stays blocked; wait-for dump and
      gdb stacks), ThreadSanitizer when PROGRAM was built with it, crashes.
  racelab run --gtest [--gtest_filter=PATTERN] [--repeat N] [REPORTS...]
              -- TEST_BINARY [ARGS...]
      Run each test of a GoogleTest binary as its own case gtest/<Suite>.<Name>,
      each run a process running that test alone, under the same detectors; a
      failed assertion is a 'test-failure', and a test that passes in some runs
      and not in others is reported flaky with its counts.
        --filter GLOB      only case ids matching GLOB ('*' and '?'), e.g. 'counter/*'
        --repeat N         runs per case (default 1)
        --timeout SECONDS  per-run backstop, overriding each case's own (default:
                           the case's own, else 5 s; 10 s for a PROGRAM); a run
                           still busy then is a 'timeout', a blocked one a 'hang'
        --quiet-period SECONDS  a run whose threads all stay blocked this long,
                           none of them running, is a 'hang' (default 0.2)
        --expect bug|clean what PROGRAM should produce (default clean)
        --exit-code N      the exit status PROGRAM should end with (default 0);
                           any other status is an 'exit-status' finding
        --jobs N           runs at once, of any cases (default: the CPUs racelab may
                           use); the report does not depend on it
        --shard I/N        do part I (0 to N-1) of N of the cases x repeats, for
                           N machines or CI jobs ('racelab merge' joins their
                           reports); GTEST_TOTAL_SHARDS and GTEST_SHARD_INDEX
                           say the same, and GTEST_SHARD_STATUS_FILE is touched
        --gtest            PROGRAM is a GoogleTest binary: one case per test
        --gtest_filter=PATTERN  only the tests GoogleTest's filter PATTERN selects
                           (implies --gtest)
        --lockorder-dir DIR  keep each run's lock-order record files in DIR, for
                           'racelab-lockorder report DIR/*.lockorder'
        --perturb          seeded schedules: at every lock, unlock, condition and
                           thread event a thread waits briefly while one of higher
                           random priority can run (PCT); each run's seed is reported
        --perturb-depth D  PCT's depth: D - 1 priority changes per run, 1 to 8
                           (default 2; implies --perturb)
        --seed S           perturb every run with seed S, a run's reported seed to
                           replay its schedule (implies --perturb)
      REPORTS (a regular file is replaced atomically, a link's target likewise;
      a device, FIFO or /dev/fd/N is written through; FILE '-' is standard
      output, and the console table then goes to standard error):
)",
      reports, R"(
Exit codes: 0 everything as expected; 1 a miss, a false positive, or a finding
in a PROGRAM expected clean; 2 usage error, bad input, a case the harness could
not run, a PROGRAM that cannot be started, or an interrupted run (SIGINT,
SIGTERM: the reports then hold what finished and say the run is incomplete).
)");
}

namespace {

// Which `run` flags were given, for the checks between them.
struct GivenFlags {
  bool expect = false;
  bool exit_code = false;
};

// Seconds in (minimum, 86400] (or [minimum, 86400] when `inclusive`).
absl::Status ParseSeconds(absl::string_view flag, const std::string& value, double minimum,
                          bool inclusive, absl::Duration& out) {
  double seconds = 0;
  if (!absl::SimpleAtod(value, &seconds) || !(inclusive ? seconds >= minimum : seconds > minimum) ||
      seconds > 86400) {
    return Usage(absl::StrCat(flag, " wants seconds, ", inclusive ? "at least " : "more than ",
                              minimum, " and at most 86400, got '", value, "'"));
  }
  out = absl::Seconds(seconds);
  return absl::OkStatus();
}

// Every `run` flag (each takes a value).
std::vector<std::string> RunFlags() {
  std::vector<std::string> flags = {"--filter",        "--repeat",        "--timeout",
                                    "--quiet-period",  "--expect",        "--exit-code",
                                    "--lockorder-dir", "--perturb-depth", "--seed",
                                    "--gtest_filter",  "--jobs",          "--shard"};
  for (const ReportFlag& report : kReportFlags) flags.push_back(absl::StrCat("--", report.name));
  return flags;
}

// One `run` flag and its value into `command`.
absl::Status ApplyRunFlag(const std::string& flag, const std::string& value, Command& command,
                          GivenFlags& given) {
  if (flag == "--filter") {
    command.filter = value;
  } else if (flag == "--repeat") {
    if (!absl::SimpleAtoi(value, &command.repeat) || command.repeat < 1 ||
        command.repeat > kMaxRepeat) {
      return Usage(absl::StrCat("--repeat wants a whole number from 1 to ", kMaxRepeat, ", got '",
                                value, "'"));
    }
  } else if (flag == "--timeout") {
    absl::Duration timeout;
    if (absl::Status parsed = ParseSeconds(flag, value, 0, false, timeout); !parsed.ok()) {
      return parsed;
    }
    command.timeout = timeout;
  } else if (flag == "--quiet-period") {
    absl::Duration quiet;
    if (absl::Status parsed = ParseSeconds(flag, value, 0.05, true, quiet); !parsed.ok()) {
      return parsed;
    }
    command.quiet_period = quiet;
  } else if (flag == "--perturb") {
    command.perturb = true;
  } else if (flag == "--jobs") {
    int jobs = 0;
    if (!absl::SimpleAtoi(value, &jobs) || jobs < 1 || jobs > kMaxJobs) {
      return Usage(
          absl::StrCat("--jobs wants a whole number from 1 to ", kMaxJobs, ", got '", value, "'"));
    }
    command.jobs = jobs;
  } else if (flag == "--shard") {
    absl::StatusOr<std::pair<int, int>> shard = ParseShard(value);
    if (!shard.ok()) return Usage(absl::StrCat("--shard ", shard.status().message()));
    command.shard = *shard;
  } else if (flag == "--gtest") {
    command.gtest = true;
  } else if (flag == "--gtest_filter") {
    command.gtest_filter = value;
    command.gtest = true;
  } else if (flag == "--perturb-depth") {
    if (!absl::SimpleAtoi(value, &command.perturb_depth) || command.perturb_depth < 1 ||
        command.perturb_depth > schedule::kMaxDepth) {
      return Usage(absl::StrCat("--perturb-depth wants a whole number from 1 to ",
                                schedule::kMaxDepth, ", got '", value, "'"));
    }
    command.perturb = true;
  } else if (flag == "--seed") {
    std::uint64_t seed = 0;
    if (!absl::SimpleAtoi(value, &seed)) {
      return Usage(absl::StrCat("--seed wants a seed a run reported (a whole number from 0 to ",
                                UINT64_MAX, "), got '", value, "'"));
    }
    command.seed = seed;
    command.perturb = true;
  } else if (flag == "--expect") {
    if (value != "bug" && value != "clean") {
      return Usage(absl::StrCat("--expect wants 'bug' or 'clean', got '", value, "'"));
    }
    command.expect_bug = value == "bug";
    given.expect = true;
  } else if (flag == "--exit-code") {
    if (!absl::SimpleAtoi(value, &command.exit_code) || command.exit_code < 0 ||
        command.exit_code > 255) {
      return Usage(
          absl::StrCat("--exit-code wants an exit status from 0 to 255, got '", value, "'"));
    }
    given.exit_code = true;
  } else if (std::string* path = PathFlag(command, flag); path != nullptr) {
    if (value.empty()) {
      return Usage(
          absl::StrCat(flag, " needs a ", flag == "--lockorder-dir" ? "directory" : "file name"));
    }
    *path = value;
  } else {
    return Usage(absl::StrCat("unknown option '", flag, "' for 'run'"));
  }
  return absl::OkStatus();
}

// The checks between `run` flags, once all are read.
absl::Status CheckRunFlagsTogether(const Command& command, const GivenFlags& given) {
  if (command.program.empty() && given.expect) {
    return Usage(
        "--expect applies to a program of your own ('racelab run --expect bug -- PROGRAM')");
  }
  if (command.program.empty() && given.exit_code) {
    return Usage(
        "--exit-code applies to a program of your own ('racelab run --exit-code 3 -- PROGRAM')");
  }
  if (!command.program.empty() && !command.filter.empty()) {
    return Usage(absl::StrCat("--filter selects catalog cases; it cannot be used with '-- PROGRAM'",
                              command.gtest ? " (--gtest_filter selects tests)" : ""));
  }
  if (command.gtest && command.program.empty()) {
    return Usage(
        "--gtest runs the tests of a GoogleTest binary: 'racelab run --gtest -- TEST_BINARY'");
  }
  if (command.gtest && given.exit_code) {
    return Usage(
        "--exit-code applies to a program's own runs, not to --gtest (a test passes or fails)");
  }
  return absl::OkStatus();
}

// `run`'s flags (args[0] is "run"), then `-- PROGRAM [ARGS...]`.
absl::StatusOr<Command> ParseRun(const std::vector<std::string>& args) {
  absl::StatusOr<VerbArguments> split =
      SplitVerbArguments(std::vector<std::string>(args.begin() + 1, args.end()), "run", RunFlags(),
                         {"--perturb", "--gtest"});
  if (!split.ok()) return Usage(split.status().message());
  if (!split->operands.empty()) {
    return Usage(
        absl::StrCat("unexpected argument '", split->operands[0],
                     "' for 'run' (cases are chosen with --filter; a program follows '--')"));
  }
  Command command;
  command.verb = Command::Verb::kRun;
  command.program = split->program;
  GivenFlags given;
  for (const auto& [flag, value] : split->flags) {
    if (absl::Status applied = ApplyRunFlag(flag, value, command, given); !applied.ok()) {
      return applied;
    }
  }
  if (absl::Status together = CheckRunFlagsTogether(command, given); !together.ok())
    return together;
  return command;
}

// `merge REPORT.json... [REPORTS]`.
absl::StatusOr<Command> ParseMerge(const std::vector<std::string>& args) {
  std::vector<std::string> flags;
  for (const ReportFlag& report : kReportFlags) flags.push_back(absl::StrCat("--", report.name));
  absl::StatusOr<VerbArguments> split =
      SplitVerbArguments(std::vector<std::string>(args.begin() + 1, args.end()), "merge", flags);
  if (!split.ok()) return Usage(split.status().message());
  if (!split->program.empty()) return Usage("'merge' takes no program after '--'");
  if (split->operands.empty()) {
    return Usage(
        "'merge' needs the JSON reports to merge ('racelab merge a.json b.json --json all.json')");
  }
  Command command;
  command.verb = Command::Verb::kMerge;
  command.merge_inputs = split->operands;
  for (const auto& [flag, value] : split->flags) {
    std::string* path = PathFlag(command, flag);
    if (path == nullptr || flag == "--lockorder-dir") {
      return Usage(absl::StrCat("unknown option '", flag, "' for 'merge'"));
    }
    if (value.empty()) return Usage(absl::StrCat(flag, " needs a file name"));
    *path = value;
  }
  return command;
}

}  // namespace

absl::StatusOr<std::pair<int, int>> ParseShard(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '/');
  int index = -1, count = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &index) ||
      !absl::SimpleAtoi(parts[1], &count) || count < 1 || count > kMaxShards || index < 0 ||
      index >= count) {
    return absl::InvalidArgumentError(
        absl::StrCat("wants I/N, a shard index from 0 to N-1 of a count from 1 to ", kMaxShards,
                     ", got '", text, "'"));
  }
  return std::make_pair(index, count);
}

absl::StatusOr<Command> ParseCommandLine(const std::vector<std::string>& args) {
  Command command;
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    return command;
  }
  const std::string& verb = args[0];
  if (verb == "list") {
    if (args.size() > 1)
      return Usage(absl::StrCat("'list' takes no arguments, got '", args[1], "'"));
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
  if (verb == "merge") return ParseMerge(args);
  if (verb != "run") return Usage(absl::StrCat("unknown command '", verb, "'"));
  return ParseRun(args);
}

}  // namespace racelab
