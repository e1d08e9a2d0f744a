// Tests the JUnit XML report: suites per pattern, testcases per case id,
// failures carrying findings and locations, and escaping.
#include "harness/report/junit_writer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/report/grade.h"

namespace racelab {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

RunRecord RunWith(std::vector<Finding> findings) {
  RunRecord run;
  run.wall = absl::Milliseconds(250);
  run.findings = std::move(findings);
  return run;
}

Report ThreeCases() {
  const Finding race{Detector::kTsan,
                     FindingKind::kDataRace,
                     SanitizerReport{"ThreadSanitizer", "data race on <counter> & co"},
                     {Location{"cases/counter/counter.cc", 31, "Increment", "T1", "write"}}};
  Report report;
  report.build = BuildInfo{"tsan", "GNU 12.2.0", "thread", "/src"};
  report.duration = absl::Milliseconds(1500);
  const std::vector<Detector> active = {Detector::kTsan, Detector::kOracle};
  report.results = {
      GradeCase({"counter", "racy", Expect::kBug, {FindingKind::kDataRace}, {Detector::kTsan}},
                {RunWith({race})}, active),
      GradeCase({"counter", "locked", Expect::kClean}, {RunWith({race})}, active),
      GradeCase(
          {"fake_database", "racy", Expect::kBug, {FindingKind::kDataRace}, {Detector::kTsan}},
          {RunWith({})}, active)};
  report.summary = Summarize(report.results);
  return report;
}

TEST(JunitWriterTest, OneSuitePerPatternOneTestcasePerCase) {
  const std::string xml = FormatJunitReport(ThreeCases());
  EXPECT_THAT(xml, HasSubstr("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
  EXPECT_THAT(xml, HasSubstr("<testsuites name=\"racelab\" tests=\"3\" failures=\"2\" "
                             "errors=\"0\" time=\"1.500\">"));
  EXPECT_THAT(xml,
              HasSubstr("<testsuite name=\"counter\" tests=\"2\" failures=\"1\" errors=\"0\""));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"fake_database\" tests=\"1\" failures=\"1\""));
  EXPECT_THAT(xml, HasSubstr("<property name=\"preset\" value=\"tsan\"/>"));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"counter\" name=\"racy\" time=\"0.250\">"));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"fake_database\" name=\"racy\""));
  EXPECT_THAT(xml, HasSubstr("</testsuites>\n"));
}

TEST(JunitWriterTest, FailuresCarryTheFindingsWithTheirLocations) {
  const std::string xml = FormatJunitReport(ThreeCases());
  // The correct variant that was flagged: a failure with the finding and where.
  EXPECT_THAT(xml, HasSubstr("<failure type=\"false-positive\" message=\"false positive: "
                             "findings in 1 of 1 runs of a correct variant\">tsan data-race x1: "
                             "ThreadSanitizer: data race on &lt;counter&gt; &amp; co\n"
                             "    at cases/counter/counter.cc:31 in Increment [T1] (write)\n"
                             "</failure>"));
  // The racy variant nobody detected.
  EXPECT_THAT(xml, HasSubstr("<failure type=\"missed\" message=\"missed: the bug was detected "
                             "in 0 of 1 runs\"></failure>"));
  // The racy variant that was detected passes, its finding kept in system-out.
  EXPECT_THAT(xml, HasSubstr("<system-out>tsan data-race x1: ThreadSanitizer: data race on "
                             "&lt;counter&gt;"));
}

TEST(JunitWriterTest, AnErrorIsAnErrorElement) {
  RunRecord broken;
  broken.error = "the child wrote no result file";
  Report report;
  report.results = {GradeCase({"counter", "atomic", Expect::kClean}, {broken}, {})};
  report.summary = Summarize(report.results);
  const std::string xml = FormatJunitReport(report);
  EXPECT_THAT(xml, HasSubstr("errors=\"1\""));
  EXPECT_THAT(xml, HasSubstr("<error type=\"error\" message=\"error: "));
  EXPECT_THAT(xml, Not(HasSubstr("<failure")));
}

TEST(JunitWriterTest, EscapesMarkupAndDropsWhatXmlCannotCarry) {
  EXPECT_EQ(XmlEscape("a<b>&\"c\"'"), "a&lt;b&gt;&amp;&quot;c&quot;&apos;");
  EXPECT_EQ(XmlEscape("tab\tnewline\n"), "tab\tnewline\n");
  EXPECT_EQ(XmlEscape(std::string("bell\x07"
                                  "nul",
                                  8)),
            "bell\xEF\xBF\xBDnul");
  EXPECT_EQ(XmlEscape(std::string("x\0y", 3)), "x\xEF\xBF\xBDy");
  EXPECT_EQ(XmlEscape("caf\xC3\xA9"), "caf\xC3\xA9");            // valid UTF-8 kept
  EXPECT_EQ(XmlEscape("bad\xC3("), "bad\xEF\xBF\xBD(");          // truncated sequence
  EXPECT_EQ(XmlEscape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
}

}  // namespace
}  // namespace racelab
