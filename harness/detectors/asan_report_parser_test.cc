// Tests for the ASan / LSan / UBSan parser, on reports captured from real
// racelab runs in the asan preset (testdata/).
#include "harness/detectors/asan_report_parser.h"

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "harness/report/finding_message.h"

namespace racelab {
namespace {

std::string Testdata(const std::string& name) {
  std::ifstream in(std::string(RACELAB_TESTDATA_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(AsanReportParserTest, HeapUseAfterFreeAtTheBadAccess) {
  // daemon_thread/racy in the asan preset, built in /work/main.
  std::vector<Finding> findings =
      ParseAsanOutput(Testdata("asan_heap_use_after_free.txt"), "/work/main");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].detector, Detector::kAsan);
  EXPECT_EQ(findings[0].kind, FindingKind::kUseAfterFree);
  EXPECT_EQ(FindingMessage(findings[0]), "AddressSanitizer: heap-use-after-free");
  ASSERT_EQ(findings[0].locations.size(), 1u) << "the access, not the free";
  EXPECT_EQ(findings[0].locations[0].file, "cases/daemon_thread/daemon_thread.cc");
  EXPECT_EQ(findings[0].locations[0].line, 36);
  EXPECT_EQ(findings[0].locations[0].function, "operator()");
}

TEST(AsanReportParserTest, NotAReportIsNothing) {
  EXPECT_TRUE(ParseAsanOutput("hello\n#0 0x1 in main /x.cc:1\n", "/src").empty());
}

TEST(AsanReportParserTest, UbsanRuntimeErrorIsOtherAtItsLine) {
  std::vector<Finding> findings = ParseAsanOutput(
      "/src/cases/x/x.cc:12:7: runtime error: signed integer overflow: 2147483647 + 1\n", "/src");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].detector, Detector::kAsan);
  EXPECT_EQ(findings[0].kind, FindingKind::kOther);
  EXPECT_EQ(FindingMessage(findings[0]), "UBSan: signed integer overflow: 2147483647 + 1");
  ASSERT_EQ(findings[0].locations.size(), 1u);
  EXPECT_EQ(findings[0].locations[0].file, "cases/x/x.cc");
  EXPECT_EQ(findings[0].locations[0].line, 12);
}

}  // namespace
}  // namespace racelab
