// The library's tests, as its team wrote them: each passes when run plainly
// (`./inventory_test`), which is why the bug below survives review.
// `racelab run --gtest -- ./inventory_test` runs each test on its own and
// says what the plain run cannot.
#include "inventory.h"

#include <random>
#include <thread>

#include "gtest/gtest.h"

namespace user_project {
namespace {

TEST(WarehouseTest, AddsUp) {
  Warehouse warehouse;
  warehouse.Add(3);
  warehouse.Add(4);
  EXPECT_EQ(warehouse.Count(), 7);
}

TEST(WarehouseTest, ConcurrentAddsAreAllCounted) {
  Warehouse warehouse;
  std::thread a([&] {
    for (int i = 0; i < 10000; ++i) warehouse.Add(1);
  });
  std::thread b([&] {
    for (int i = 0; i < 10000; ++i) warehouse.Add(1);
  });
  a.join();
  b.join();
  EXPECT_EQ(warehouse.Count(), 20000);
}

// Passes in every plain run: the two moves happen one after the other.
// Their lock orders still disagree (north then south, south then north),
// so two threads moving both ways at once can deadlock: racelab's
// lock-order checker reports the cycle with both sites in inventory.cc.
TEST(MoveTest, BackAndForth) {
  Warehouse north, south;
  north.Add(10);
  Warehouse::MoveInArgumentOrder(north, south, 4);
  Warehouse::MoveInArgumentOrder(south, north, 1);
  EXPECT_EQ(north.Count(), 7);
  EXPECT_EQ(south.Count(), 3);
}

TEST(MoveTest, BackAndForthBothLocksAtOnce) {
  Warehouse north, south;
  north.Add(10);
  std::thread there([&] {
    for (int i = 0; i < 1000; ++i) Warehouse::Move(north, south, 1);
  });
  std::thread back([&] {
    for (int i = 0; i < 1000; ++i) Warehouse::Move(south, north, 1);
  });
  there.join();
  back.join();
  EXPECT_EQ(north.Count() + south.Count(), 10);
}

// Deliberately flaky: stands for a test whose outcome depends on something
// outside it (a clock, a port, a schedule). It fails in about half of its
// runs, at random; racelab reports it flaky with its pass and fail counts.
TEST(FlakyTest, PassesAboutHalfTheTime) {
  std::random_device coin;
  EXPECT_EQ(coin() % 2, 0u) << "the coin came up tails";
}

}  // namespace
}  // namespace user_project
