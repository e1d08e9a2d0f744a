// Tests for `racelab` flag parsing.
#include "tools/racelab/cli_flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab {
namespace {

using ::testing::HasSubstr;

TEST(CliFlagsTest, ParsesRunWithEveryOption) {
  absl::StatusOr<Command> command = ParseCommandLine(
      {"run", "--filter", "counter/*", "--repeat=20", "--timeout", "2.5", "--json", "out/r.json"});
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_EQ(command->verb, Command::Verb::kRun);
  EXPECT_EQ(command->filter, "counter/*");
  EXPECT_EQ(command->repeat, 20);
  EXPECT_EQ(command->timeout, absl::Milliseconds(2500));
  EXPECT_EQ(command->report_paths.at("json"), "out/r.json");
}

TEST(CliFlagsTest, PerturbDepthAndSeed) {
  absl::StatusOr<Command> plain = ParseCommandLine({"run"});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->perturb);
  absl::StatusOr<Command> perturbed = ParseCommandLine({"run", "--perturb", "--repeat", "3"});
  ASSERT_TRUE(perturbed.ok()) << perturbed.status();
  EXPECT_TRUE(perturbed->perturb);
  EXPECT_EQ(perturbed->perturb_depth, schedule::kDefaultDepth);
  EXPECT_FALSE(perturbed->seed.has_value());
  // A seed or a depth asks for perturbed runs on its own.
  absl::StatusOr<Command> replay =
      ParseCommandLine({"run", "--seed", "18446744073709551615", "--perturb-depth=5", "--", "p"});
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->perturb);
  EXPECT_EQ(replay->seed, 18446744073709551615ULL);
  EXPECT_EQ(replay->perturb_depth, 5);
  EXPECT_THAT(ParseCommandLine({"run", "--perturb-depth", "9"}).status().message(),
              HasSubstr("--perturb-depth wants a whole number from 1 to 8, got '9'"));
  EXPECT_THAT(ParseCommandLine({"run", "--seed", "-4"}).status().message(),
              HasSubstr("--seed wants a seed a run reported"));
  EXPECT_THAT(ParseCommandLine({"run", "--perturb=yes"}).status().message(),
              HasSubstr("--perturb takes no value"));
}

TEST(CliFlagsTest, ListHelpAndChild) {
  EXPECT_EQ(ParseCommandLine({"list"})->verb, Command::Verb::kList);
  EXPECT_EQ(ParseCommandLine({})->verb, Command::Verb::kHelp);
  EXPECT_EQ(ParseCommandLine({"--help"})->verb, Command::Verb::kHelp);
  absl::StatusOr<Command> child = ParseCommandLine({"__child", "counter/racy", "/tmp/x"});
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(child->child_case_id, "counter/racy");
  EXPECT_EQ(child->child_result_path, "/tmp/x");
}

TEST(CliFlagsTest, EverythingAfterDoubleDashIsTheProgram) {
  absl::StatusOr<Command> command =
      ParseCommandLine({"run", "--repeat", "2", "--", "./app", "--repeat"});
  ASSERT_TRUE(command.ok());
  EXPECT_EQ(command->repeat, 2);
  EXPECT_THAT(command->program, ::testing::ElementsAre("./app", "--repeat"));
}

TEST(CliFlagsTest, ReportsAndExpectForAProgram) {
  absl::StatusOr<Command> command =
      ParseCommandLine({"run", "--expect", "bug", "--junit", "r.xml", "--sarif=r.sarif", "--html",
                        "r.html", "--", "./app"});
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_TRUE(command->expect_bug);
  EXPECT_EQ(command->report_paths.at("junit"), "r.xml");
  EXPECT_EQ(command->report_paths.at("sarif"), "r.sarif");
  EXPECT_EQ(command->report_paths.at("html"), "r.html");
  EXPECT_FALSE(ParseCommandLine({"run", "--expect", "clean", "--", "./app"})->expect_bug);
}

TEST(CliFlagsTest, ProgramOnlyAndCatalogOnlyFlagsDoNotMix) {
  EXPECT_THAT(ParseCommandLine({"run", "--expect", "bug"}).status().message(),
              HasSubstr("--expect applies to a program of your own"));
  EXPECT_THAT(ParseCommandLine({"run", "--filter", "counter/*", "--", "./app"}).status().message(),
              HasSubstr("--filter selects catalog cases"));
  EXPECT_THAT(ParseCommandLine({"run", "--expect", "maybe", "--", "./app"}).status().message(),
              HasSubstr("'bug' or 'clean'"));
  EXPECT_THAT(ParseCommandLine({"run", "--sarif", ""}).status().message(), HasSubstr("file name"));
}

TEST(CliFlagsTest, UsageErrorsSayWhatIsWrong) {
  EXPECT_THAT(ParseCommandLine({"frobnicate"}).status().message(),
              HasSubstr("unknown command 'frobnicate'"));
  EXPECT_THAT(ParseCommandLine({"run", "--bogus"}).status().message(),
              HasSubstr("unknown option '--bogus'"));
  EXPECT_THAT(ParseCommandLine({"run", "--repeat", "0"}).status().message(), HasSubstr("--repeat"));
  EXPECT_THAT(ParseCommandLine({"run", "--repeat", "many"}).status().message(),
              HasSubstr("'many'"));
  EXPECT_THAT(ParseCommandLine({"run", "--timeout", "-1"}).status().message(),
              HasSubstr("--timeout"));
  EXPECT_THAT(ParseCommandLine({"run", "--timeout", "nan"}).status().message(),
              HasSubstr("--timeout"));
  EXPECT_THAT(ParseCommandLine({"run", "--json"}).status().message(), HasSubstr("needs a value"));
  EXPECT_THAT(ParseCommandLine({"run", "--"}).status().message(), HasSubstr("PROGRAM"));
  EXPECT_THAT(ParseCommandLine({"list", "extra"}).status().message(), HasSubstr("no arguments"));
  EXPECT_EQ(ParseCommandLine({"__child"}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CliFlagsTest, JobsShardAndGtest) {
  absl::StatusOr<Command> command = ParseCommandLine(
      {"run", "--jobs", "3", "--shard=1/4", "--gtest_filter=Bank.*", "--", "./tests"});
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_EQ(command->jobs, 3);
  EXPECT_EQ(command->shard, std::make_pair(1, 4));
  EXPECT_TRUE(command->gtest);  // implied by --gtest_filter
  EXPECT_EQ(command->gtest_filter, "Bank.*");
  absl::StatusOr<Command> plain = ParseCommandLine({"run"});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->jobs.has_value());
  EXPECT_FALSE(plain->shard.has_value());
  EXPECT_THAT(ParseCommandLine({"run", "--jobs", "0"}).status().message(),
              HasSubstr("--jobs wants a whole number from 1 to 1024, got '0'"));
  for (const char* shard : {"4/4", "-1/2", "1", "1/0", "a/b", "1/2/3"}) {
    EXPECT_THAT(ParseCommandLine({"run", "--shard", shard}).status().message(),
                HasSubstr("--shard wants I/N"))
        << shard;
  }
  EXPECT_THAT(ParseCommandLine({"run", "--gtest"}).status().message(),
              HasSubstr("'racelab run --gtest -- TEST_BINARY'"));
  EXPECT_THAT(
      ParseCommandLine({"run", "--gtest", "--exit-code", "3", "--", "t"}).status().message(),
      HasSubstr("--exit-code applies to a program's own runs, not to --gtest"));
}

}  // namespace
}  // namespace racelab
