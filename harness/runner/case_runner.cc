// Catalog case runner (see case_runner.h).
#include "harness/runner/case_runner.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "harness/catalog/child_result.h"
#include "harness/detectors/lockorder_findings.h"
#include "harness/detectors/asan_report_parser.h"
#include "harness/detectors/tsan_report_parser.h"
#include "harness/lockorder/record_file.h"
#include "harness/lockorder/wait_dump.h"

namespace racelab {
namespace {

namespace fs = std::filesystem;

// ThreadSanitizer exits with this code when it reported anything; set
// explicitly so a user's TSAN_OPTIONS cannot change what we read.
constexpr int kTsanExitCode = 66;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh private directory for one run's logs and result file.
std::string MakeScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/racelab-run.XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

// The sanitizer settings every child gets; the user's own options come first
// so that ours, which the runner depends on, win.
//
// suppress_equal_addresses=0: ThreadSanitizer v3 (clang 14's runtime) marks
// an address as reported *before* it restores the previous access's stack;
// when that stack has already left its trace (likely at -O0, where every
// call adds trace events), the report is dropped and every later race on the
// address is suppressed "as doubled". Measured on counter/racy under
// tsan-clang: detected in 1 of 3 runs without this flag, 50 of 50 with it.
//
// history_size=7 (the largest): a longer per-thread trace, so the earlier
// access of a race can still be restored when the racing threads did many
// calls in between (bank_account/racy spins in a rendezvous between check and
// act: its race was reported in 9 of 10 runs with gcc's default, 30 of 30
// with 7).
std::vector<std::pair<std::string, std::string>> ChildEnvironment(const std::string& scratch_dir) {
  auto with_user = [](const char* name, const std::string& ours) {
    const char* user = std::getenv(name);
    return user != nullptr && *user != '\0' ? absl::StrCat(user, " ", ours) : ours;
  };
  return {
      {"RACELAB_LOCKORDER_FILE", absl::StrCat(scratch_dir, "/lockorder")},
      {"TSAN_OPTIONS",
       with_user("TSAN_OPTIONS",
                 absl::StrCat("log_path=", scratch_dir, "/tsan exitcode=", kTsanExitCode,
                              " atexit_sleep_ms=0 halt_on_error=0 second_deadlock_stack=1"
                              " suppress_equal_addresses=0 history_size=7"))},
      // AddressSanitizer (which stops at its first report) and UBSan (which
      // goes on) write to files of their own, read like TSan's.
      {"ASAN_OPTIONS", with_user("ASAN_OPTIONS", absl::StrCat("log_path=", scratch_dir, "/asan"))},
      {"UBSAN_OPTIONS", with_user("UBSAN_OPTIONS", absl::StrCat("log_path=", scratch_dir,
                                                                "/ubsan print_stacktrace=1"))},
  };
}

// The last non-empty line the child printed, to explain a failure.
std::string LastOutputLine(const ChildOutcome& outcome) {
  const std::string& text = outcome.output_tail.empty() ? outcome.output_head : outcome.output_tail;
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipWhitespace());
  return lines.empty() ? "" : std::string(absl::StripAsciiWhitespace(lines.back()));
}

// True once a lock-order record file in `scratch_dir` ends its wait dump.
bool WaitDumpComplete(const std::string& scratch_dir) {
  std::error_code ignored;
  for (const fs::directory_entry& entry : fs::directory_iterator(scratch_dir, ignored)) {
    if (absl::StartsWith(entry.path().filename().string(), "lockorder.") &&
        absl::StrContains(ReadFile(entry.path()), "\nwait-end ")) {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::Duration EffectiveTimeout(const CaseSpec& spec, const RunOptions& options) {
  if (options.timeout) return *options.timeout;
  if (spec.timeout > absl::ZeroDuration()) return spec.timeout;
  return options.default_timeout;
}

RunRecord CollectRun(const ChildOutcome& outcome, const std::string& scratch_dir,
                     const std::string& project_root, absl::Duration timeout,
                     Symbolizer& symbolizer) {
  RunRecord record;
  record.wall = outcome.wall;
  record.ended = DescribeEnd(outcome);

  // ThreadSanitizer and the lock-order checker: every file the process (or
  // its children) wrote, and any TSan report printed despite log_path.
  std::error_code ignored;
  std::vector<lockorder::Recording> recordings;
  for (const fs::directory_entry& entry : fs::directory_iterator(scratch_dir, ignored)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, "tsan.") || absl::StartsWith(name, "asan.") ||
        absl::StartsWith(name, "ubsan.")) {
      // Both parsers on every sanitizer log: the runtimes share one
      // log_path flag, and clang's TSan runtime also reads UBSAN_OPTIONS,
      // so its reports land in ubsan.<pid>.
      const std::string text = ReadFile(entry.path());
      for (Finding& finding : ParseTsanOutput(text, project_root)) {
        record.findings.push_back(std::move(finding));
      }
      for (Finding& finding : ParseAsanOutput(text, project_root)) {
        record.findings.push_back(std::move(finding));
      }
    } else if (absl::StartsWith(name, "lockorder.")) {
      absl::StatusOr<lockorder::Recording> recording = lockorder::ReadRecording(entry.path());
      if (!recording.ok()) {
        record.error = std::string(recording.status().message());
        continue;
      }
      for (Finding& finding : LockOrderFindings(*recording, project_root, symbolizer)) {
        record.findings.push_back(std::move(finding));
      }
      recordings.push_back(*std::move(recording));
    }
  }
  for (const std::string* text : {&outcome.output_head, &outcome.output_tail}) {
    for (Finding& finding : ParseTsanOutput(*text, project_root)) {
      record.findings.push_back(std::move(finding));
    }
    for (Finding& finding : ParseAsanOutput(*text, project_root)) {
      record.findings.push_back(std::move(finding));
    }
  }

  // The child's own result: what it observed and what its oracle said.
  const fs::path result_path = fs::path(scratch_dir) / "result";
  bool finished = false;
  if (fs::exists(result_path, ignored)) {
    absl::StatusOr<ChildResult> result = ParseChildResult(ReadFile(result_path));
    if (result.ok()) {
      finished = true;
      record.observed = result->observed;
      if (result->oracle == ChildResult::Oracle::kViolated) {
        record.findings.push_back(Finding{Detector::kOracle, FindingKind::kInvariant,
                                          absl::StrCat("invariant violated: ", result->violation),
                                          {}});
      }
    } else {
      record.error = std::string(result.status().message());
    }
  }

  switch (outcome.end) {
    case ChildOutcome::End::kTimedOut: {
      // The child's own wait-for dump explains the hang when it has one.
      std::optional<Finding> diagnosis;
      for (const lockorder::Recording& recording : recordings) {
        if (!diagnosis) {
          diagnosis = WaitForFinding(recording, project_root, symbolizer,
                                     absl::FormatDuration(timeout));
        }
      }
      record.findings.push_back(
          diagnosis ? *std::move(diagnosis)
                    : Finding{Detector::kWatchdog, FindingKind::kHang,
                              absl::StrCat("no progress within ", absl::FormatDuration(timeout),
                                           ": the run was killed (it left no wait-for state)"),
                              {}});
      break;
    }
    case ChildOutcome::End::kSignaled:
      record.findings.push_back(Finding{
          Detector::kCrash, FindingKind::kCrash,
          absl::StrCat("child died: ", record.ended,
                       LastOutputLine(outcome).empty() ? "" : "; last output: ",
                       LastOutputLine(outcome)),
          {}});
      break;
    case ChildOutcome::End::kFlooded:
      record.error = absl::StrCat("child ", record.ended, "; run abandoned");
      break;
    case ChildOutcome::End::kExited:
      if (!finished && record.findings.empty() && record.error.empty()) {
        record.error = absl::StrCat("child ended (", record.ended, ") without a result",
                                    LastOutputLine(outcome).empty() ? "" : ": ",
                                    LastOutputLine(outcome));
      } else if (finished && outcome.exit_code != 0 && outcome.exit_code != kTsanExitCode) {
        record.error = absl::StrCat("child finished but ", record.ended);
      }
      break;
  }
  return record;
}

std::vector<RunRecord> RunCatalogCase(const CaseSpec& spec, const RunOptions& options) {
  std::vector<RunRecord> records;
  const absl::Duration timeout = EffectiveTimeout(spec, options);
  Symbolizer symbolizer;
  for (int run = 0; run < options.repeat; ++run) {
    const std::string scratch_dir = MakeScratchDir();
    if (scratch_dir.empty()) {
      RunRecord record;
      record.error = "cannot create a scratch directory under $TMPDIR or /tmp";
      records.push_back(std::move(record));
      continue;
    }
    ChildSpec child;
    child.argv = {options.case_binary, "__child", spec.Id(), scratch_dir + "/result"};
    child.env = ChildEnvironment(scratch_dir);
    child.timeout = timeout;
    child.diagnosis_signal = lockorder::WaitDumpSignal();
    child.diagnosis_done = [&scratch_dir] { return WaitDumpComplete(scratch_dir); };
    absl::StatusOr<ChildOutcome> outcome = RunChild(child);
    if (outcome.ok()) {
      records.push_back(
          CollectRun(*outcome, scratch_dir, options.project_root, timeout, symbolizer));
    } else {
      RunRecord record;
      record.error = std::string(outcome.status().message());
      records.push_back(std::move(record));
    }
    std::error_code ignored;
    if (!options.keep_lockorder_dir.empty()) {
      fs::create_directories(options.keep_lockorder_dir, ignored);
      for (const fs::directory_entry& entry : fs::directory_iterator(scratch_dir, ignored)) {
        const std::string name = entry.path().filename().string();
        if (!absl::StartsWith(name, "lockorder.")) continue;
        const std::string kept = absl::StrCat(spec.pattern, ".", spec.variant, ".run", run + 1, ".",
                                              name.substr(10), ".lockorder");
        std::error_code copy_error;
        fs::copy_file(entry.path(), fs::path(options.keep_lockorder_dir) / kept,
                      fs::copy_options::overwrite_existing, copy_error);
        if (copy_error && records.back().error.empty()) {
          records.back().error = absl::StrCat("cannot keep ", name, " in ",
                                              options.keep_lockorder_dir, ": ", copy_error.message());
        }
      }
    }
    fs::remove_all(scratch_dir, ignored);
  }
  return records;
}

}  // namespace racelab
