// Tests that an unsymbolised sanitizer report's frames of a known module
// are rewritten as the sanitizer would have printed them (so the report
// parsers find the same locations), and that everything else is left as it
// was.
#include "harness/detectors/report_symbols.h"

#include <dlfcn.h>
#include <link.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/detectors/tsan_report_parser.h"

// A function of this test binary to find in a report (outside any
// anonymous namespace, so its name is predictable).
__attribute__((noinline)) int ReportSymbolsTestMarker(int x) { return x * 7 + 3; }

namespace racelab {
namespace {

using ::testing::HasSubstr;

// The offset a sanitizer would print for a frame inside `function` (its
// call instruction, not a return address): from the executable's load bias
// (its start if it is position-independent, 0 if not).
std::uintptr_t PrintedOffsetOf(void* function) {
  Dl_info info{};
  link_map* map = nullptr;
  EXPECT_NE(::dladdr1(function, &info, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP), 0);
  return reinterpret_cast<std::uintptr_t>(function) - map->l_addr;
}

class ReportSymbolsTest : public ::testing::Test {
 protected:
  ReportSymbolsTest() {
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
    module_ = self.filename().string();
    symbolizer_.KnowModule(self.string());
  }
  std::string module_;
  Symbolizer symbolizer_;
};

TEST_F(ReportSymbolsTest, FramesOfAKnownModuleReadAsIfTheSanitizerHadSymbolisedThem) {
  const std::uintptr_t offset = PrintedOffsetOf(reinterpret_cast<void*>(&ReportSymbolsTestMarker));
  const std::string report = absl::StrCat(
      "WARNING: ThreadSanitizer: data race (pid=1)\n"
      "  Write of size 4 at 0x7b04 by thread T1:\n"
      "    #0 <null> <null> (",
      module_, "+0x", absl::Hex(offset),
      ") (BuildId: 1234)\n"
      "    #1 <null> <null> (libstdc++.so.6+0xd44a2)\n"
      "\n"
      "SUMMARY: ThreadSanitizer: data race (",
      module_, "+0x", absl::Hex(offset), ")\n");
  const std::string symbolised = SymbolizeReportFrames(report, symbolizer_);

  EXPECT_THAT(symbolised, HasSubstr("    #1 <null> <null> (libstdc++.so.6+0xd44a2)\n"));
  EXPECT_THAT(symbolised, HasSubstr("  Write of size 4 at 0x7b04 by thread T1:\n"));
  EXPECT_TRUE(
      absl::EndsWith(symbolised, absl::StrCat("(", module_, "+0x", absl::Hex(offset), ")\n")));
  const size_t frame_start = symbolised.find("    #0 ");
  ASSERT_NE(frame_start, std::string::npos) << symbolised;
  const std::string frame_line =
      symbolised.substr(frame_start, symbolised.find('\n', frame_start) - frame_start);
  EXPECT_THAT(frame_line,
              HasSubstr(absl::StrCat("(", module_, "+0x", absl::Hex(offset), ") (BuildId: 1234)")));
  const std::optional<StackFrame> frame = ParseStackFrame(frame_line);
  ASSERT_TRUE(frame.has_value()) << frame_line;
  EXPECT_THAT(frame->function, HasSubstr("ReportSymbolsTestMarker")) << frame_line;
  EXPECT_TRUE(absl::EndsWith(frame->file, "harness/detectors/report_symbols_test.cc"))
      << frame_line;
  EXPECT_GT(frame->line, 0) << frame_line;
  EXPECT_EQ(frame->module, module_);
}

TEST_F(ReportSymbolsTest, ATextWithoutUnknownFramesIsReturnedAsItWas) {
  const std::string report =
      "WARNING: ThreadSanitizer: data race (pid=1)\n"
      "    #0 Push /src/q.h:12 (racelab+0x2571b7)\n"
      "    #1 <null> <null> (unknown-module+0x10)\n"
      "not a frame: #2 <null> <null> (x+0x1)";
  EXPECT_EQ(SymbolizeReportFrames(report, symbolizer_), report);
  EXPECT_EQ(SymbolizeReportFrames("", symbolizer_), "");
  EXPECT_EQ(symbolizer_.processes_started(), 1);  // the known module's, started as it became known
}

}  // namespace
}  // namespace racelab
