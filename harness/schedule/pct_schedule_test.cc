// PctSchedule: priorities and change points follow from the seed alone,
// the highest-priority thread that can run is never made to wait, and the
// caps hold.
#include "harness/schedule/pct_schedule.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <set>

#include "gtest/gtest.h"
#include "harness/schedule/perturb_protocol.h"

namespace racelab::schedule {
namespace {

PctParameters Seeded(std::uint64_t seed, int depth = 3) {
  PctParameters parameters;
  parameters.seed = seed;
  parameters.depth = depth;
  return parameters;
}

TEST(PctScheduleTest, TheSameSeedMakesTheSameDecisions) {
  PctSchedule first(Seeded(42)), second(Seeded(42)), other(Seeded(43));
  EXPECT_EQ(first.change_points(), second.change_points());
  bool any_priority_differs = false;
  for (int i = 0; i < 4; ++i) {
    const int a = first.Join(), b = second.Join(), c = other.Join();
    EXPECT_EQ(first.PriorityOf(a), second.PriorityOf(b));
    any_priority_differs |= first.PriorityOf(a) != other.PriorityOf(c);
  }
  EXPECT_TRUE(any_priority_differs);
}

TEST(PctScheduleTest, DepthDChangesPrioritiesAtDMinusOneStepsWithinTheHorizon) {
  for (int depth = 1; depth <= kMaxDepth; ++depth) {
    PctSchedule schedule(Seeded(7, depth));
    EXPECT_EQ(schedule.change_point_count(), depth - 1);
    for (int i = 0; i < schedule.change_point_count(); ++i) {
      EXPECT_LT(schedule.change_points()[i].thread,
                static_cast<std::uint64_t>(PctSchedule::kMaxThreads));
      EXPECT_GE(schedule.change_points()[i].step, 1u);
      EXPECT_LT(schedule.change_points()[i].step, kHorizon);
    }
  }
  // Drawn log-uniformly: over many seeds, the first step is as likely as
  // any binade of later ones (each of the 14 gets about 1/14), and the first
  // thread as any binade of later threads (each of the 8 about 1/8).
  int first_step = 0, first_thread = 0;
  constexpr int kSeeds = 14'000;
  for (int seed = 0; seed < kSeeds; ++seed) {
    PctSchedule schedule(Seeded(static_cast<std::uint64_t>(seed), 2));
    if (schedule.change_points()[0].step == 1) ++first_step;
    if (schedule.change_points()[0].thread == 0) ++first_thread;
  }
  EXPECT_GT(first_step, kSeeds / 14 / 2);
  EXPECT_LT(first_step, kSeeds / 14 * 2);
  EXPECT_GT(first_thread, kSeeds / 8 / 2);
  EXPECT_LT(first_thread, kSeeds / 8 * 2);
}

TEST(PctScheduleTest, OnlyALowerThreadThatCanRunWaits) {
  PctSchedule schedule(Seeded(1, /*depth=*/1));
  const int a = schedule.Join(), b = schedule.Join();
  const int high = schedule.PriorityOf(a) > schedule.PriorityOf(b) ? a : b;
  const int low = high == a ? b : a;
  EXPECT_FALSE(schedule.Outranked(high));
  EXPECT_TRUE(schedule.Outranked(low));
  schedule.SetBlocked(high, true);  // the higher one waits for another thread
  EXPECT_FALSE(schedule.Outranked(low));
  schedule.SetBlocked(high, false);
  EXPECT_TRUE(schedule.Outranked(low));
  schedule.Leave(high);
  EXPECT_FALSE(schedule.Outranked(low));
  EXPECT_FALSE(schedule.Outranked(-1));  // a thread that found no slot never waits
}

// Three threads join; their slots, lowest priority first.
std::array<int, 3> JoinThreeByPriority(PctSchedule& schedule) {
  std::array<int, 3> order = {schedule.Join(), schedule.Join(), schedule.Join()};
  std::sort(order.begin(), order.end(),
            [&](int x, int y) { return schedule.PriorityOf(x) < schedule.PriorityOf(y); });
  return order;
}

// The hooks ask which thread outranks a waiter, and overlook that one alone
// when the OS says it sleeps where the hooks do not see.
TEST(PctScheduleTest, AThreadOverlookedByNameStopsOutrankingUntilItsNextStep) {
  PctSchedule schedule(Seeded(5, /*depth=*/1));
  const auto [low, middle, high] = JoinThreeByPriority(schedule);
  EXPECT_EQ(schedule.Outranking(high), -1);
  EXPECT_EQ(schedule.Outranking(middle), high);
  const int first = schedule.Outranking(low);
  EXPECT_TRUE(first == middle || first == high);
  schedule.Overlook(high);
  EXPECT_EQ(schedule.Outranking(middle), -1);
  EXPECT_EQ(schedule.Outranking(low), middle);
  schedule.SetBlocked(middle, true);
  schedule.Overlook(middle);  // blocked: stays blocked, not overlooked
  EXPECT_EQ(schedule.Outranking(low), -1);
  schedule.SetBlocked(middle, false);
  EXPECT_EQ(schedule.Outranking(low), middle);
  schedule.Step(high);
  EXPECT_EQ(schedule.Outranking(middle), high);
  EXPECT_EQ(schedule.Outranking(-1), -1);
}

// A thread that outlasts a waiter's whole cap (asleep where the hooks do not
// see, say) makes no one wait until it reaches a synchronisation point.
TEST(PctScheduleTest, AnOverlookedThreadCountsAgainAtItsNextStep) {
  PctSchedule schedule(Seeded(3, /*depth=*/1));
  const auto [low, middle, high] = JoinThreeByPriority(schedule);
  schedule.OverlookThoseAbove(middle);  // overlooks `high` only
  EXPECT_FALSE(schedule.Outranked(middle));
  EXPECT_TRUE(schedule.Outranked(low));  // `middle` still counts
  schedule.OverlookThoseAbove(low);
  EXPECT_FALSE(schedule.Outranked(low));
  schedule.Step(high);  // progress: `high` counts again, `middle` not yet
  EXPECT_TRUE(schedule.Outranked(middle));
  EXPECT_TRUE(schedule.Outranked(low));
  schedule.SetBlocked(high, true);
  EXPECT_FALSE(schedule.Outranked(low));
  schedule.Step(middle);
  EXPECT_TRUE(schedule.Outranked(low));
}

TEST(PctScheduleTest, AChangePointDropsItsThreadBelowEveryOtherAtItsOwnStep) {
  // A seed whose one change point falls on the second thread to join,
  // early enough to reach by stepping.
  std::uint64_t seed = 0;
  while (PctSchedule(Seeded(seed, 2)).change_points()[0].thread != 1 ||
         PctSchedule(Seeded(seed, 2)).change_points()[0].step > 64) {
    ++seed;
  }
  PctSchedule schedule(Seeded(seed, 2));
  const ChangePoint point = schedule.change_points()[0];
  const int first = schedule.Join(), second = schedule.Join();
  // The other thread's steps, however many, do not count toward it.
  for (std::uint64_t step = 1; step <= 2 * point.step; ++step) schedule.Step(first);
  for (std::uint64_t step = 1; step < point.step; ++step) schedule.Step(second);
  const std::uint64_t before = schedule.PriorityOf(second);
  EXPECT_GT(before, 1u);
  schedule.Step(second);  // the change point
  EXPECT_EQ(schedule.PriorityOf(second), 1u);
  EXPECT_TRUE(schedule.Outranked(second));
  EXPECT_FALSE(schedule.Outranked(first));
  EXPECT_GT(schedule.PriorityOf(first), 1u);
}

TEST(PctScheduleTest, TheBudgetEndsAllWaiting) {
  PctParameters parameters = Seeded(5);
  parameters.budget_polls = 3;
  PctSchedule schedule(parameters);
  EXPECT_TRUE(schedule.SpendPoll());
  EXPECT_TRUE(schedule.SpendPoll());
  EXPECT_TRUE(schedule.SpendPoll());
  EXPECT_FALSE(schedule.SpendPoll());
}

TEST(PctScheduleTest, SlotsAreReusedAndAFullTableRefusesQuietly) {
  PctSchedule schedule(Seeded(9));
  std::set<int> slots;
  for (int i = 0; i < PctSchedule::kMaxThreads; ++i) slots.insert(schedule.Join());
  EXPECT_EQ(slots.size(), static_cast<std::size_t>(PctSchedule::kMaxThreads));
  EXPECT_EQ(schedule.Join(), -1);
  schedule.Leave(17);
  EXPECT_EQ(schedule.Join(), 17);
}

TEST(PerturbRequestTest, ParsesSeedAndDepthAndRejectsTheRest) {
  PerturbRequest request;
  ASSERT_TRUE(ParsePerturbRequest("18446744073709551615:3", request));
  EXPECT_EQ(request.seed, 18446744073709551615ULL);
  EXPECT_EQ(request.depth, 3);
  for (const char* bad : {"", ":3", "12", "12:", "12:0", "12:100", "x:2", "12:3x",
                          "18446744073709551616:3", "-1:2"}) {
    EXPECT_FALSE(ParsePerturbRequest(bad, request)) << bad;
  }
  EXPECT_FALSE(ParsePerturbRequest(nullptr, request));
}

}  // namespace
}  // namespace racelab::schedule
