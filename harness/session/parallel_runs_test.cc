// Tests for parallel_runs.h: every unit run once, results by case and run
// number whatever the number of threads, shards that split the units.
#include "harness/session/parallel_runs.h"

#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab {
namespace {

using ::testing::ElementsAre;

// A run whose record says which unit it was ("case.run").
RunOne Labelled(std::mutex& mutex, std::multiset<std::string>& ran) {
  return [&](int case_index, int run, Symbolizer&) -> std::optional<RunRecord> {
    RunRecord record;
    record.observed = absl::StrCat(case_index, ".", run);
    std::lock_guard<std::mutex> lock(mutex);
    ran.insert(record.observed);
    return record;
  };
}

std::vector<std::string> Observed(const std::optional<std::vector<RunRecord>>& runs) {
  std::vector<std::string> observed;
  for (const RunRecord& run : *runs) observed.push_back(run.observed);
  return observed;
}

TEST(ParallelRunsTest, EveryUnitOnceAndResultsInRunOrderWhateverTheJobs) {
  for (int jobs : {1, 2, 5}) {
    std::mutex mutex;
    std::multiset<std::string> ran;
    std::vector<int> started;
    const auto results = RunAll(3, 4, jobs, Shard{}, Labelled(mutex, ran),
                                [&](int case_index) { started.push_back(case_index); });
    ASSERT_EQ(results.size(), 3u);
    EXPECT_THAT(Observed(results[0]), ElementsAre("0.0", "0.1", "0.2", "0.3")) << jobs;
    EXPECT_THAT(Observed(results[2]), ElementsAre("2.0", "2.1", "2.2", "2.3")) << jobs;
    EXPECT_EQ(ran.size(), 12u);
    EXPECT_EQ(std::set<std::string>(ran.begin(), ran.end()).size(), 12u);  // none twice
    EXPECT_EQ(std::set<int>(started.begin(), started.end()), (std::set<int>{0, 1, 2}));
    EXPECT_EQ(started.size(), 3u);  // once per case
  }
}

TEST(ParallelRunsTest, ShardsSplitTheUnitsAndTogetherDoEachOnce) {
  std::mutex mutex;
  std::multiset<std::string> ran;
  std::vector<std::vector<std::string>> case1_by_shard;
  for (int index = 0; index < 3; ++index) {
    const auto results = RunAll(2, 5, 2, Shard{index, 3}, Labelled(mutex, ran), [](int) {});
    case1_by_shard.push_back(Observed(results[1]));
  }
  EXPECT_EQ(ran.size(), 10u);
  EXPECT_EQ(std::set<std::string>(ran.begin(), ran.end()).size(), 10u);
  // Units 5..9 are case 1's runs 0..4: unit u goes to shard u % 3.
  EXPECT_THAT(case1_by_shard[0], ElementsAre("1.1", "1.4"));
  EXPECT_THAT(case1_by_shard[1], ElementsAre("1.2"));
  EXPECT_THAT(case1_by_shard[2], ElementsAre("1.0", "1.3"));
}

TEST(ParallelRunsTest, ACaseWithARunThatDidNotFinishIsLeftOut) {
  const auto results = RunAll(
      2, 2, 2, Shard{},
      [](int case_index, int run, Symbolizer&) -> std::optional<RunRecord> {
        if (case_index == 1 && run == 1) return std::nullopt;
        return RunRecord{};
      },
      [](int) {});
  ASSERT_TRUE(results[0].has_value());
  EXPECT_EQ(results[0]->size(), 2u);
  EXPECT_FALSE(results[1].has_value());
}

}  // namespace
}  // namespace racelab
