// Tests the HTML writer on a synthetic report: escaping, self-containment,
// the histogram, the graph fallback without a renderer, and the incomplete
// banner. Chromium renders a real report in tools/racelab/racelab_cli_test.cc.
#include "harness/report/html_writer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/report/grade.h"

namespace racelab {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Report CounterReport(int runs) {
  std::vector<RunRecord> records;
  for (int i = 0; i < runs; ++i) {
    RunRecord run;
    run.wall = absl::Milliseconds(10);
    run.observed = absl::StrCat("counter=", 1000 + 7 * i);
    run.findings = {Finding{Detector::kOracle,
                            FindingKind::kInvariant,
                            InvariantViolation{"lost <increments> & more"},
                            {Location{"nowhere.cc", 3, "Increment", "T1", "write"}}}};
    records.push_back(run);
  }
  Report report;
  report.build = BuildInfo{"tsan", "GNU 12.2.0", "thread", "/src"};
  report.locations_root = "/nonexistent";
  report.results = {
      GradeCase({"counter", "racy", Expect::kBug, {FindingKind::kInvariant}, {Detector::kOracle}},
                records, {Detector::kOracle})};
  report.summary = Summarize(report.results);
  return report;
}

TEST(HtmlWriterTest, EscapesEverythingAndLoadsNothing) {
  const std::string html = FormatHtmlReport(CounterReport(2), {});
  EXPECT_THAT(html, HasSubstr("lost &lt;increments&gt; &amp; more"));
  EXPECT_THAT(html, Not(HasSubstr("<increments>")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, HasSubstr("1 passed, 0 failed"));
  EXPECT_THAT(html, HasSubstr("id=\"case-counter-racy\""));
}

TEST(HtmlWriterTest, ManyDistinctCountsAreBinnedIntoTenRanges) {
  const std::string few = FormatHtmlReport(CounterReport(3), {});
  EXPECT_THAT(few, HasSubstr("counter=1014"));  // three values: a bar each
  const std::string many = FormatHtmlReport(CounterReport(30), {});
  EXPECT_THAT(many, HasSubstr("Observed outcomes over 30 runs"));
  EXPECT_THAT(many, HasSubstr("counter 1000.."));
  EXPECT_THAT(many, Not(HasSubstr("counter=1014")));
}

TEST(HtmlWriterTest, AGraphWithoutARendererIsShownAsDot) {
  Report report = CounterReport(1);
  LockOrderAnalysis graph;
  graph.locks = {{"M0", "p1_M0", nullptr}, {"M1", "p1_M1", nullptr}};
  graph.edges = {{0, 1, "T1", true}};
  report.lock_graphs["counter/racy"] = graph;
  const std::string html = FormatHtmlReport(report, {});
  EXPECT_THAT(html, HasSubstr("Not drawn: no graph renderer"));
  EXPECT_THAT(html, HasSubstr("digraph lockorder"));
  WriterOptions options;
  options.dot_to_svg = [](const std::string&) -> absl::StatusOr<std::string> {
    return std::string("<?xml version=\"1.0\"?><svg id=\"drawn\"></svg>");
  };
  const std::string drawn = FormatHtmlReport(report, options);
  EXPECT_THAT(drawn, HasSubstr("<div class=\"graph\"><svg id=\"drawn\"></svg></div>"));
  EXPECT_THAT(drawn, Not(HasSubstr("<?xml")));
}

TEST(HtmlWriterTest, AnIncompleteRunSaysSo) {
  Report report = CounterReport(1);
  report.complete = false;
  report.incomplete_reason = "interrupted by SIGTERM";
  EXPECT_THAT(FormatHtmlReport(report, {}),
              HasSubstr("Incomplete run</b>: interrupted by SIGTERM"));
}

}  // namespace
}  // namespace racelab
