// Tests for the tools' one command-line style.
#include "tools/common/command_line.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

const std::vector<std::string> kFlags = {"--json", "--root"};

TEST(CommandLineTest, TakesBothFlagSpellingsOperandsAndAProgramInOrder) {
  absl::StatusOr<VerbArguments> split = SplitVerbArguments(
      {"a.lockorder", "--json", "r.json", "--root=/src", "b.lockorder", "--", "./app", "--json"},
      "report", kFlags);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_THAT(split->flags, ElementsAre(Pair("--json", "r.json"), Pair("--root", "/src")));
  EXPECT_THAT(split->operands, ElementsAre("a.lockorder", "b.lockorder"));
  EXPECT_TRUE(split->has_program);
  EXPECT_THAT(split->program,
              ElementsAre("./app", "--json"));  // the program's own flags stay its own
}

TEST(CommandLineTest, AValueMayLookLikeAFlagOrBeStandardOutput) {
  absl::StatusOr<VerbArguments> split =
      SplitVerbArguments({"--json", "-", "--root", "--x"}, "r", kFlags);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_THAT(split->flags, ElementsAre(Pair("--json", "-"), Pair("--root", "--x")));
  EXPECT_FALSE(split->has_program);
}

TEST(CommandLineTest, RefusesWhatItCannotRead) {
  EXPECT_THAT(SplitVerbArguments({"--jsn", "x"}, "report", kFlags).status().message(),
              HasSubstr("unknown option '--jsn' for 'report'"));
  EXPECT_THAT(SplitVerbArguments({"--bogus=1"}, "run", kFlags).status().message(),
              HasSubstr("unknown option '--bogus' for 'run'"));
  EXPECT_THAT(SplitVerbArguments({"--json"}, "run", kFlags).status().message(),
              HasSubstr("--json needs a value"));
  EXPECT_THAT(SplitVerbArguments({"x", "--"}, "run", kFlags).status().message(),
              HasSubstr("'--' must be followed by a PROGRAM"));
}

TEST(CommandLineTest, SwitchesTakeNoValue) {
  const std::vector<std::string> switches = {"--perturb"};
  absl::StatusOr<VerbArguments> split =
      SplitVerbArguments({"--perturb", "--json", "-", "--", "p"}, "run", kFlags, switches);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_THAT(split->flags, ElementsAre(Pair("--perturb", ""), Pair("--json", "-")));
  EXPECT_THAT(split->program, ElementsAre("p"));
  EXPECT_THAT(SplitVerbArguments({"--perturb=1"}, "run", kFlags, switches).status().message(),
              HasSubstr("--perturb takes no value"));
}

}  // namespace
}  // namespace racelab
