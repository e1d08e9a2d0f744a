// Tests that addr2line's output is read into one frame list per address,
// inline frames innermost first, and that a symbolizer told not to resolve
// starts no process.
#include "harness/detectors/symbolizer.h"

#include "gtest/gtest.h"

namespace racelab {
namespace {

TEST(SymbolizerTest, ReadsInlineChainsPerAddress) {
  const std::string output =
      "0x0000000000001525\n"
      "Lock\n/src/a.cc:12\n"
      "Transfer\n/src/a.cc:30 (discriminator 2)\n"
      "0x00000000000018b5\n"
      "??\n??:0\n";
  const std::vector<std::vector<SourceFrame>> frames = ParseAddr2lineOutput(output, 2);
  ASSERT_EQ(frames.size(), 2u);
  ASSERT_EQ(frames[0].size(), 2u);
  EXPECT_EQ(frames[0][0].function, "Lock");
  EXPECT_EQ(frames[0][0].file, "/src/a.cc");
  EXPECT_EQ(frames[0][0].line, 12);
  EXPECT_EQ(frames[0][1].line, 30);
  ASSERT_EQ(frames[1].size(), 1u);
  EXPECT_EQ(frames[1][0].line, 0);
}

TEST(SymbolizerTest, ExtraAddressesAndTruncationAreIgnored) {
  const std::vector<std::vector<SourceFrame>> frames =
      ParseAddr2lineOutput("0x1\nf\n/x.cc:1\n0x2\ng\n/y.cc:2\n0x3\nh", 1);
  ASSERT_EQ(frames.size(), 1u);
  ASSERT_EQ(frames[0].size(), 1u);
  EXPECT_EQ(frames[0][0].function, "f");
}

TEST(SymbolizerTest, ModeNoneResolvesNothing) {
  Symbolizer symbolizer(Symbolizer::Mode::kNone);
  EXPECT_TRUE(symbolizer.Frames("/proc/self/exe", 0x1000).empty());
}

}  // namespace
}  // namespace racelab
