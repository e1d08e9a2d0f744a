// Tests for gtest_result_parser.h: GoogleTest's JSON result, as version 1.12
// writes it, read for one test.
#include "harness/detectors/gtest_result_parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

// What `--gtest_filter=Bank.Transfers --gtest_output=json:F` wrote for a
// failed EXPECT_EQ and a failed ASSERT_TRUE in one test (trimmed of the
// timing fields).
constexpr char kFailed[] = R"({
  "tests": 1, "failures": 1, "disabled": 0, "errors": 0, "name": "AllTests",
  "testsuites": [
    {"name": "Bank", "tests": 1, "failures": 1, "disabled": 0, "errors": 0,
     "testsuite": [
       {"name": "Transfers", "file": "tests\/bank_test.cc", "line": 20, "status": "RUN",
        "result": "COMPLETED", "classname": "Bank",
        "failures": [
          {"failure": "tests\/bank_test.cc:31\nExpected equality of these values:\n  total\n    Which is: 1990\n  2000\n", "type": ""},
          {"failure": "unknown file\nC++ exception with description \"boom\" thrown in the test body.\n", "type": ""}
        ]}
     ]}
  ]
})";

TEST(GtestResultParserTest, EachFailedAssertionWithItsFileAndLine) {
  absl::StatusOr<GtestTestResult> result = ParseGtestJsonResult(kFailed, "Bank.Transfers");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->ran);
  EXPECT_FALSE(result->skipped);
  ASSERT_EQ(result->failures.size(), 2u);
  EXPECT_EQ(result->failures[0].file, "tests/bank_test.cc");
  EXPECT_EQ(result->failures[0].line, 31);
  EXPECT_THAT(result->failures[0].message, HasSubstr("Which is: 1990"));
  EXPECT_EQ(result->failures[1].file, "");
  EXPECT_EQ(result->failures[1].line, 0);
  EXPECT_THAT(result->failures[1].message, HasSubstr("exception with description \"boom\""));
}

TEST(GtestResultParserTest, PassedSkippedAndAbsentTests) {
  constexpr char kMixed[] = R"({"testsuites": [
    {"name": "Pool/Queue", "testsuite": [
      {"name": "Drains/0", "status": "RUN", "result": "COMPLETED"},
      {"name": "Drains/1", "status": "RUN", "result": "SKIPPED"},
      {"name": "Drains/2", "status": "NOTRUN", "result": "SUPPRESSED"}]}]})";
  absl::StatusOr<GtestTestResult> passed = ParseGtestJsonResult(kMixed, "Pool/Queue.Drains/0");
  ASSERT_TRUE(passed.ok());
  EXPECT_TRUE(passed->ran);
  EXPECT_FALSE(passed->skipped);
  EXPECT_TRUE(passed->failures.empty());
  absl::StatusOr<GtestTestResult> skipped = ParseGtestJsonResult(kMixed, "Pool/Queue.Drains/1");
  ASSERT_TRUE(skipped.ok());
  EXPECT_TRUE(skipped->ran);
  EXPECT_TRUE(skipped->skipped);
  absl::StatusOr<GtestTestResult> not_run = ParseGtestJsonResult(kMixed, "Pool/Queue.Drains/2");
  ASSERT_TRUE(not_run.ok());
  EXPECT_FALSE(not_run->ran);
  absl::StatusOr<GtestTestResult> absent = ParseGtestJsonResult(kMixed, "Pool/Queue.Other");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->ran);
}

TEST(GtestResultParserTest, TextThatIsNotAResultIsAnError) {
  for (const char* text : {"", "not json", "[]", R"({"testsuites": 3})"}) {
    absl::StatusOr<GtestTestResult> result = ParseGtestJsonResult(text, "A.B");
    EXPECT_FALSE(result.ok()) << text;
    EXPECT_THAT(result.status().message(), HasSubstr("not a GoogleTest JSON result")) << text;
  }
}

}  // namespace
}  // namespace racelab
