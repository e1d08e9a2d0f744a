// Tests LockPageFilter: a block passes unless a known lock's address may
// lie in it (same page and line), and a lock's line is kept until the last
// lock of its slot goes.
#include "harness/lockorder/lock_page_filter.h"

#include <memory>

#include "gtest/gtest.h"

namespace racelab::lockorder {
namespace {

constexpr std::uintptr_t kPage = std::uintptr_t{0x7f1234567} << LockPageFilter::kPageShift;

// Large (a quarter of a MiB): on the heap.
std::unique_ptr<LockPageFilter> NewFilter() { return std::make_unique<LockPageFilter>(); }

TEST(LockPageFilterTest, KnowsNothingAtFirst) {
  auto filter = NewFilter();
  EXPECT_FALSE(filter->KnowsAnyLock());
  EXPECT_FALSE(filter->MayHoldLocks(kPage, kPage + 4096));
}

TEST(LockPageFilterTest, ABlockHoldingTheLocksAddressMayHoldIt) {
  auto filter = NewFilter();
  filter->Add(kPage + 0x140);  // line 5
  EXPECT_TRUE(filter->KnowsAnyLock());
  EXPECT_TRUE(filter->MayHoldLocks(kPage + 0x140, kPage + 0x168));  // the lock itself
  EXPECT_TRUE(filter->MayHoldLocks(kPage + 0x100, kPage + 0x200));  // a block around it
  EXPECT_TRUE(filter->MayHoldLocks(kPage - 64, kPage + 0x141));     // from the page before
  EXPECT_TRUE(filter->MayHoldLocks(kPage, kPage + 20 * 4096));      // too many pages to filter
}

TEST(LockPageFilterTest, ABlockBesideTheLockInItsPagePasses) {
  auto filter = NewFilter();
  filter->Add(kPage + 0x140);                                            // line 5
  EXPECT_FALSE(filter->MayHoldLocks(kPage + 0x100, kPage + 0x140));      // lines 4, ending at it
  EXPECT_FALSE(filter->MayHoldLocks(kPage + 0x180, kPage + 0x1c0));      // line 6
  EXPECT_FALSE(filter->MayHoldLocks(kPage + 0x180, kPage + 4096 + 64));  // on into the next page
  EXPECT_FALSE(filter->MayHoldLocks(kPage + 4096, kPage + 8192));        // the next page
}

TEST(LockPageFilterTest, ALinesBitStaysUntilItsSlotsLastLockGoes) {
  auto filter = NewFilter();
  filter->Add(kPage + 0x140);
  filter->Add(kPage + 0x150);  // the same line
  filter->Add(kPage + 0x800);  // line 32
  filter->Remove(kPage + 0x140);
  EXPECT_TRUE(filter->MayHoldLocks(kPage + 0x150, kPage + 0x158));
  filter->Remove(kPage + 0x150);
  // A bit is cleared only with the slot's count: still a (false) alarm.
  EXPECT_TRUE(filter->MayHoldLocks(kPage + 0x150, kPage + 0x158));
  EXPECT_TRUE(filter->MayHoldLocks(kPage + 0x800, kPage + 0x808));
  filter->Remove(kPage + 0x800);
  EXPECT_FALSE(filter->KnowsAnyLock());
  EXPECT_FALSE(filter->MayHoldLocks(kPage, kPage + 4096));
  filter->Add(kPage + 0x800);
  EXPECT_FALSE(filter->MayHoldLocks(kPage + 0x140, kPage + 0x158));  // the old line went
  EXPECT_TRUE(filter->MayHoldLocks(kPage + 0x800, kPage + 0x808));
}

TEST(LockPageFilterTest, PagesSharingASlotShareItsLines) {
  auto filter = NewFilter();
  const std::uintptr_t same_slot = kPage + (LockPageFilter::kSlots << LockPageFilter::kPageShift);
  filter->Add(kPage + 0x140);
  EXPECT_TRUE(filter->MayHoldLocks(same_slot + 0x140, same_slot + 0x148));  // a false alarm
  EXPECT_FALSE(filter->MayHoldLocks(same_slot + 0x180, same_slot + 0x188));
}

}  // namespace
}  // namespace racelab::lockorder
