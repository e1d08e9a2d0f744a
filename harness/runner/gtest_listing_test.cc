// Tests for gtest_listing.h: a GoogleTest binary's --gtest_list_tests output
// read into full names, and a binary that is not one refused by name.
#include "harness/runner/gtest_listing.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(GtestListingTest, PlainTypedAndParameterisedTests) {
  // As GoogleTest 1.12 prints them (comments after two spaces and '#').
  constexpr char kListing[] =
      "Bank.\n"
      "  Transfers\n"
      "  DISABLED_Slow\n"
      "TypedQueue/0.  # TypeParam = int\n"
      "  Drains\n"
      "Pool/QueueTest.\n"
      "  Drains/0  # GetParam() = 1\n"
      "  Drains/1  # GetParam() = 4\n"
      "DISABLED_Broken.\n"
      "  Anything\n";
  EXPECT_THAT(ParseGtestListing(kListing),
              ElementsAre("Bank.Transfers", "TypedQueue/0.Drains", "Pool/QueueTest.Drains/0",
                          "Pool/QueueTest.Drains/1"));
}

TEST(GtestListingTest, LinesOfOtherShapesAreNotTests) {
  constexpr char kListing[] =
      "==123==WARNING: ThreadSanitizer: something odd\n"
      "  indented but under no suite\n"
      "Suite.\n"
      "  Test\r\n"
      "Running main() from gmock_main.cc\n"
      "  NotOfSuite\n";
  EXPECT_THAT(ParseGtestListing(kListing), ElementsAre("Suite.Test"));
  EXPECT_THAT(ParseGtestListing(""), IsEmpty());
}

TEST(GtestListingTest, ABinaryThatListsNoTestIsRefusedByName) {
  absl::StatusOr<std::vector<std::string>> tests = ListGtestTests({"/bin/true"}, "");
  ASSERT_FALSE(tests.ok());
  EXPECT_THAT(tests.status().message(), HasSubstr("'/bin/true --gtest_list_tests' lists no test"));
  tests = ListGtestTests({"/bin/false"}, "A.*");
  ASSERT_FALSE(tests.ok());
  EXPECT_THAT(tests.status().message(), HasSubstr("did not list its tests (exit 1)"));
  tests = ListGtestTests({"/nonexistent/binary"}, "");
  ASSERT_FALSE(tests.ok());
  EXPECT_THAT(tests.status().message(), HasSubstr("/nonexistent/binary"));
}

}  // namespace
}  // namespace racelab
