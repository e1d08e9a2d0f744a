// Tests that addr2line's output is read into one frame list per address,
// inline frames innermost first, that one addr2line per module answers
// every request, and that a symbolizer told not to resolve starts no
// process.
#include "harness/detectors/symbolizer.h"

#include <dlfcn.h>
#include <link.h>

#include <cstdint>
#include <filesystem>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

// Functions of this test binary to look up (outside any anonymous
// namespace, so their names are predictable).
__attribute__((noinline)) int SymbolizerTestFirstMarker(int x) { return x * 3 + 1; }
__attribute__((noinline)) int SymbolizerTestSecondMarker(int x) { return x * 5 + 2; }

namespace racelab {
namespace {

// The offset in this executable of a return address just past `function`'s
// entry (Frames looks up the byte before a return address).
// The offset is from the load bias, as sanitizers print it (the start of a
// position-independent executable, 0 for one that is not).
std::uintptr_t ReturnOffsetInto(void* function) {
  Dl_info info{};
  link_map* map = nullptr;
  EXPECT_NE(::dladdr1(function, &info, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP), 0);
  return reinterpret_cast<std::uintptr_t>(function) - map->l_addr + 1;
}

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

TEST(SymbolizerTest, OneAddr2linePerModuleAnswersEveryRequest) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  Symbolizer symbolizer;
  const std::vector<SourceFrame>& first = symbolizer.Frames(
      self, ReturnOffsetInto(reinterpret_cast<void*>(&SymbolizerTestFirstMarker)));
  ASSERT_FALSE(first.empty());
  EXPECT_TRUE(absl::StrContains(first.front().function, "SymbolizerTestFirstMarker"))
      << first.front().function;
  EXPECT_TRUE(absl::EndsWith(first.front().file, "symbolizer_test.cc")) << first.front().file;
  const std::vector<SourceFrame>& second = symbolizer.Frames(
      self, ReturnOffsetInto(reinterpret_cast<void*>(&SymbolizerTestSecondMarker)));
  ASSERT_FALSE(second.empty());
  EXPECT_TRUE(absl::StrContains(second.front().function, "SymbolizerTestSecondMarker"))
      << second.front().function;
  EXPECT_EQ(symbolizer.processes_started(), 1);
}

TEST(SymbolizerTest, AModuleAddr2lineCannotReadLeavesLocationsUnknown) {
  Symbolizer symbolizer;
  EXPECT_TRUE(symbolizer.Frames("/nonexistent/racelab-module", 0x1000).empty());
  EXPECT_TRUE(symbolizer.Frames("/nonexistent/racelab-module", 0x2000).empty());
}

TEST(SymbolizerTest, ModeNoneResolvesNothing) {
  Symbolizer symbolizer(Symbolizer::Mode::kNone);
  EXPECT_TRUE(symbolizer.Frames("/proc/self/exe", 0x1000).empty());
}

}  // namespace
}  // namespace racelab
