// Tests the one rule every detector uses to pick a finding's frame out of a
// stack (UserFramePicker), and the file classes it rests on.
#include "harness/detectors/source_files.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace racelab {
namespace {

std::optional<std::size_t> Pick(const std::vector<std::string>& files,
                                const std::string& root = "/src") {
  UserFramePicker picker(root);
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (picker.Offer(files[i], i)) break;
  }
  return picker.chosen();
}

TEST(UserFramePickerTest, TheFirstProjectFrameWinsOverEarlierLibraryCode) {
  EXPECT_EQ(Pick({"/usr/include/c++/12/bits/std_mutex.h", "/opt/lib/pool.cc", "/src/main.cc",
                  "/src/other.cc"}),
            2u);
}

TEST(UserFramePickerTest, WithoutAProjectFrameTheFirstNonToolchainFrame) {
  EXPECT_EQ(Pick({"??", "/usr/include/x.h", "../sysdeps/x.c", "/opt/lib/pool.cc", "/opt/b.cc"}),
            3u);
  EXPECT_EQ(Pick({"", "/usr/lib/gcc/libsanitizer/tsan.cpp"}), std::nullopt);
}

TEST(UserFramePickerTest, RacelabsHooksAreNeverTheUsersLine) {
  // Linked into a case binary (under the root) or preloaded into someone
  // else's program (elsewhere), inlined from any of the hooks' files.
  EXPECT_EQ(Pick({"/src/harness/lockorder/hook_bodies.h", "/src/cases/counter/counter.cc"}), 1u);
  EXPECT_EQ(Pick({"/home/me/racelab/harness/lockorder/interpose.cc", "/home/me/app/main.cc"},
                 "/home/me/app"),
            1u);
  EXPECT_EQ(Pick({"harness/lockorder/hook_state.h", "/opt/lib/pool.cc"}), 1u);
}

TEST(UserFramePickerTest, ALaterProjectFrameDoesNotReplaceTheFirst) {
  UserFramePicker picker("/src");
  EXPECT_TRUE(picker.Offer("/src/a.cc", 0));
  EXPECT_TRUE(picker.Offer("/src/b.cc", 1));
  EXPECT_EQ(picker.chosen(), 0u);
}

TEST(UserFramePickerTest, AnEmptyOrRootProjectRootNamesNoProjectFrame) {
  EXPECT_EQ(Pick({"/usr/include/x.h", "/opt/a.cc", "/opt/b.cc"}, "/"), 1u);
  EXPECT_EQ(Pick({"/opt/a.cc"}, ""), 0u);
}

TEST(SourceFilesTest, PathsAreShownRelativeToTheRootWhenInside) {
  EXPECT_EQ(ProjectRelative("/src/cases/x.cc", "/src/"), "cases/x.cc");
  EXPECT_EQ(ProjectRelative("/other/x.cc", "/src"), "/other/x.cc");
}

}  // namespace
}  // namespace racelab
