// Tests for json_reader.h and merge.h: a report written, read back and
// written again is the same text; shards' reports merge into what one run
// of all their runs grades to; reports of different sessions are refused.
#include "harness/report/merge.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/report/grade.h"
#include "harness/report/json_reader.h"
#include "harness/report/json_writer.h"

namespace racelab {
namespace {

using ::testing::HasSubstr;

const CaseDeclaration kRacy{
    "counter", "racy", Expect::kBug, {FindingKind::kDataRace}, {Detector::kTsan}};
const CaseDeclaration kLocked{"counter", "locked", Expect::kClean};

RunRecord ShardRun(bool race, int ms) {
  RunRecord run;
  run.wall = absl::Milliseconds(ms);
  run.observed = race ? "counter=3" : "counter=4";
  if (race) {
    run.findings = {Finding{Detector::kTsan,
                            FindingKind::kDataRace,
                            SanitizerReport{"ThreadSanitizer", "data race", true},
                            {Location{"cases/counter/counter.cc", 31, "Add", "T1", "write"}}}};
  }
  return run;
}

// One session's report of `runs` of each case (racy first), as shard
// `index` of `count` would write it.
Report ShardReport(const std::vector<RunRecord>& racy_runs,
                   const std::vector<RunRecord>& locked_runs, int index, int count) {
  Report report;
  report.build = BuildInfo{"tsan", "GNU 12.2.0", "thread", "/src"};
  report.shard_index = index;
  report.shard_count = count;
  report.duration = absl::Milliseconds(100 + index);
  if (!racy_runs.empty()) report.results.push_back(GradeCase(kRacy, racy_runs, {Detector::kTsan}));
  if (!racy_runs.empty()) report.results.back().index = 0;
  if (!locked_runs.empty()) {
    report.results.push_back(GradeCase(kLocked, locked_runs, {Detector::kTsan}));
    report.results.back().index = 1;
  }
  report.summary = Summarize(report.results);
  return report;
}

Report ReadBack(const Report& report) {
  absl::StatusOr<Report> read = ParseJsonReport(FormatJsonReport(report));
  EXPECT_TRUE(read.ok()) << read.status();
  return read.ok() ? *read : Report{};
}

TEST(JsonReaderTest, AReportReadBackWritesTheSameText) {
  const Report report =
      ShardReport({ShardRun(true, 5), ShardRun(false, 6)}, {ShardRun(false, 7)}, 1, 3);
  const std::string written = FormatJsonReport(report);
  EXPECT_EQ(FormatJsonReport(ReadBack(report)), written);
}

TEST(JsonReaderTest, NamesWhatDoesNotFitTheSchema) {
  EXPECT_THAT(ParseJsonReport("[]").status().message(), HasSubstr("not a JSON object"));
  EXPECT_THAT(ParseJsonReport(R"({"schema": "other/2"})").status().message(),
              HasSubstr("schema is 'other/2'"));
  const std::string written = FormatJsonReport(ShardReport({ShardRun(true, 5)}, {}, 0, 1));
  std::string broken = written;
  broken.replace(broken.find("\"runs\": 1"), 9, "\"runs\": \"one\"");
  EXPECT_THAT(ParseJsonReport(broken).status().message(),
              HasSubstr("results[0].runs is not a whole number"));
}

// The racy case's four runs and the locked case's two, split over two
// shards as --shard would (unit u to shard u % 2), merge into what grading
// all six runs in one process gives.
TEST(MergeTest, ShardsMergeIntoTheSingleRunsReport) {
  const RunRecord r0 = ShardRun(true, 10), r1 = ShardRun(false, 11), r2 = ShardRun(true, 12),
                  r3 = ShardRun(true, 13);
  const RunRecord l0 = ShardRun(false, 14), l1 = ShardRun(false, 15);
  Report single = ShardReport({r0, r1, r2, r3}, {l0, l1}, 0, 1);
  const Report shard0 = ReadBack(ShardReport({r0, r2}, {l0}, 0, 2));
  const Report shard1 = ReadBack(ShardReport({r1, r3}, {l1}, 1, 2));
  absl::StatusOr<Report> merged = MergeReports({{"b.json", shard1}, {"a.json", shard0}});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_TRUE(merged->complete);
  EXPECT_EQ(merged->shard_count, 1);
  ASSERT_EQ(merged->results.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const CaseResult& want = single.results[i];
    const CaseResult& got = merged->results[i];
    EXPECT_EQ(got.declaration.Id(), want.declaration.Id());
    EXPECT_EQ(got.verdict, want.verdict);
    EXPECT_EQ(got.runs, want.runs);
    EXPECT_EQ(got.runs_with_findings, want.runs_with_findings);
    EXPECT_EQ(got.runs_detected, want.runs_detected);
    EXPECT_EQ(got.outcomes, want.outcomes);
    EXPECT_EQ(got.duration, want.duration);
    ASSERT_EQ(got.findings.size(), want.findings.size());
    for (size_t f = 0; f < got.findings.size(); ++f) {
      EXPECT_EQ(got.findings[f].count, want.findings[f].count);
      EXPECT_EQ(got.findings[f].expected, want.findings[f].expected);
    }
  }
  EXPECT_EQ(merged->summary.as_expected, single.summary.as_expected);
  EXPECT_EQ(merged->duration, absl::Milliseconds(101));  // side by side: the longest
}

TEST(MergeTest, RefusesReportsOfDifferentSessionsNamingThem) {
  const Report shard0 = ShardReport({ShardRun(true, 1)}, {}, 0, 2);
  Report other_build = ShardReport({ShardRun(true, 1)}, {}, 1, 2);
  other_build.build.sanitizer = "address";
  EXPECT_THAT(MergeReports({{"a.json", shard0}, {"b.json", other_build}}).status().message(),
              HasSubstr("'a.json' is from build tsan, GNU 12.2.0, sanitizer thread, 'b.json' "
                        "from build tsan, GNU 12.2.0, sanitizer address"));
  Report program = ShardReport({ShardRun(true, 1)}, {}, 1, 2);
  program.program = {"./app", "--fast"};
  EXPECT_THAT(MergeReports({{"a.json", shard0}, {"b.json", program}}).status().message(),
              HasSubstr("'a.json' ran the catalog, 'b.json' ran './app --fast'"));
  EXPECT_THAT(MergeReports({{"a.json", shard0}, {"c.json", shard0}}).status().message(),
              HasSubstr("'a.json' and 'c.json' are both shard 0 of 2"));
  const Report of_three = ShardReport({ShardRun(true, 1)}, {}, 1, 3);
  EXPECT_THAT(MergeReports({{"a.json", shard0}, {"d.json", of_three}}).status().message(),
              HasSubstr("'a.json' is a shard of 2, 'd.json' of 3"));
  absl::StatusOr<Report> alone = MergeReports({{"a.json", shard0}});
  ASSERT_TRUE(alone.ok());
  EXPECT_FALSE(alone->complete);
  EXPECT_EQ(alone->incomplete_reason, "shard 1 of 2 not merged");
}

}  // namespace
}  // namespace racelab
