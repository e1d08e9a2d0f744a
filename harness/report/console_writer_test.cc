// Tests the console report: the table (a row per case with its findings by
// detector and its verdict), each finding with its sites and evidence
// below the table, the summary line, colours only when asked for, and an
// interrupted run said so.
#include "harness/report/console_writer.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/report/findings_text.h"
#include "harness/report/grade.h"

namespace racelab {
namespace {

using ::testing::ContainsRegex;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

RunRecord RunFinding(std::vector<Finding> findings) {
  RunRecord run;
  run.wall = absl::Milliseconds(250);
  run.findings = std::move(findings);
  return run;
}

Finding ConsoleRace() {
  return Finding{
      Detector::kTsan,
      FindingKind::kDataRace,
      SanitizerReport{"ThreadSanitizer", "data race on counter"},
      {Location{"cases/counter/counter.cc", 31, "Increment(int)", "T2", "Write of size 4"}}};
}

Report ConsoleCases() {
  Finding hang{
      Detector::kWatchdog, FindingKind::kHang, StuckRun{"every thread blocked for 200ms"}, {}};
  std::string stacks;
  for (int i = 0; i < kMaxDetailLines + 5; ++i) stacks += "#" + std::to_string(i) + " frame\n";
  hang.details = stacks;
  Report report;
  report.build = BuildInfo{"tsan", "GNU 12.2.0", "thread", "/src"};
  report.duration = absl::Milliseconds(1500);
  const std::vector<Detector> active = {Detector::kTsan, Detector::kWatchdog};
  report.results = {
      GradeCase({"counter", "racy", Expect::kBug, {FindingKind::kDataRace}, {Detector::kTsan}},
                {RunFinding({ConsoleRace()}), RunFinding({ConsoleRace()})}, active),
      GradeCase({"lost_wakeup", "fixed", Expect::kClean}, {RunFinding({hang})}, active)};
  report.summary = Summarize(report.results);
  return report;
}

TEST(ConsoleWriterTest, ARowPerCaseWithFindingsByDetectorAndVerdict) {
  const std::string text = FormatConsoleReport(ConsoleCases());
  const std::vector<std::string> lines = absl::StrSplit(text, '\n');
  ASSERT_GE(lines.size(), 3u);
  EXPECT_THAT(lines[0], ContainsRegex("^CASE +EXPECT +FINDINGS +VERDICT +TIME$"));
  EXPECT_THAT(lines[1],
              ContainsRegex("^counter/racy +bug +tsan: data-race x2 +detected 2/2 +0\\.50s$"));
  EXPECT_THAT(lines[2],
              ContainsRegex("^lost_wakeup/fixed +clean +watchdog: hang x1 +false-positive 1/1"));
}

TEST(ConsoleWriterTest, FindingsAreListedWithTheirSitesAndEvidenceCut) {
  const std::string text = FormatConsoleReport(ConsoleCases());
  EXPECT_THAT(
      text, HasSubstr("counter/racy:\n  tsan data-race x2: ThreadSanitizer: data race on counter\n"
                      "      at cases/counter/counter.cc:31 in Increment [T2] "
                      "(Write of size 4)\n"));
  EXPECT_THAT(text, HasSubstr("lost_wakeup/fixed:\n  watchdog hang x1: every thread blocked for "
                              "200ms; no wait-for state from the lock-order checker\n"
                              "      | #0 frame\n"));
  EXPECT_THAT(text, HasSubstr("      | #39 frame\n      | ... 6 more lines in the JSON and HTML "
                              "reports\n"));
  EXPECT_THAT(text, Not(HasSubstr("#40 frame")));
}

TEST(ConsoleWriterTest, TheLastLineCountsPassedAndFailed) {
  const std::string text = FormatConsoleReport(ConsoleCases());
  EXPECT_THAT(text, HasSubstr("build tsan (GNU 12.2.0, sanitizer thread): 2 cases, 1 detected, "
                              "0 missed, 0 clean, 1 false positives, 0 errors in 1.5s\n"));
  EXPECT_THAT(text, EndsWith("1 passed, 1 failed\n"));
}

TEST(ConsoleWriterTest, ColoursOnlyWhenAsked) {
  const Report report = ConsoleCases();
  EXPECT_THAT(FormatConsoleReport(report), Not(HasSubstr("\033[")));
  const std::string coloured = FormatConsoleReport(report, ConsoleStyle{.colour = true});
  EXPECT_THAT(coloured, HasSubstr("\033[32mdetected 2/2"));
  EXPECT_THAT(coloured, HasSubstr("\033[31mfalse-positive 1/1"));
  EXPECT_THAT(coloured, HasSubstr("\033[31m1 passed, 1 failed\033[0m"));
}

TEST(ConsoleWriterTest, AnInterruptedRunSaysSoAndFails) {
  Report report = ConsoleCases();
  report.results.resize(1);
  report.summary = Summarize(report.results);
  report.complete = false;
  report.incomplete_reason = "interrupted by SIGINT";
  const std::string text = FormatConsoleReport(report, ConsoleStyle{.colour = true});
  EXPECT_THAT(text, HasSubstr("INCOMPLETE: interrupted by SIGINT; the results above are the "
                              "cases that finished"));
  EXPECT_THAT(text, HasSubstr("\033[31m1 passed, 0 failed\033[0m"));  // red: not complete
}

TEST(ConsoleWriterTest, SaysWhatEachDetectorThatCannotSeeTheProgramHidesBeforeTheTable) {
  Report report = ConsoleCases();
  report.detector_notes = {DetectorNote{Detector::kTsan, "not built with -fsanitize=thread",
                                        "data races are invisible to this build",
                                        "rebuild it with -fsanitize=thread"}};
  const std::string text = FormatConsoleReport(report, ConsoleStyle{});
  EXPECT_THAT(text, ::testing::StartsWith(
                        "note: tsan cannot see this program (not built with -fsanitize=thread): "
                        "data races are invisible to this build; rebuild it with "
                        "-fsanitize=thread\n\nCASE "));
  EXPECT_THAT(FormatConsoleReport(ConsoleCases(), ConsoleStyle{}), ::testing::StartsWith("CASE "));
}

TEST(FindingsTextTest, JunitLayoutHasNoIndentAndNoEvidence) {
  const Report report = ConsoleCases();
  EXPECT_EQ(
      FindingsText(report.results[1], {.indent = "", .site_indent = "    "}),
      "watchdog hang x1: every thread blocked for 200ms; no wait-for state from the lock-order "
      "checker\n");
}

}  // namespace
}  // namespace racelab
