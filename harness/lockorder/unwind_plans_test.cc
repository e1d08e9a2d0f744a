// UnwindPlans on a stack made up in an array: a plan is used only for the
// walk it was learnt from and only while the stack holds its frames where
// the unwinder found them.
#include "harness/lockorder/unwind_plans.h"

#include <cstdint>
#include <memory>

#include "gtest/gtest.h"

namespace racelab::lockorder {
namespace {

Site SiteOf(std::initializer_list<std::uintptr_t> pcs) {
  Site site;
  for (std::uintptr_t pc : pcs) site.pcs[site.depth++] = pc;
  return site;
}

// A stack of 64 words: the hook's return address at word 0 (the anchor),
// the frame walk sees 0x100 and 0x300; the unwinder also finds 0x200 (a
// caller without a frame pointer) at word 9.
struct MadeUpStack {
  std::uintptr_t words[64] = {};
  MadeUpStack() {
    words[0] = 0x100;
    words[9] = 0x200;
    words[20] = 0x300;
  }
  const std::uintptr_t* anchor() const { return words; }
  std::uintptr_t high() const { return reinterpret_cast<std::uintptr_t>(words + 64); }
  const std::uintptr_t* at(int word) const { return words + word; }
};

class UnwindPlansTest : public ::testing::Test {
 protected:
  // Large (1024 entries): on the heap, as the hooks keep it in static storage.
  std::unique_ptr<UnwindPlans> plans_ = std::make_unique<UnwindPlans>();
  MadeUpStack stack_;
  const Site walked_ = SiteOf({0x100, 0x300});
  const Site completed_ = SiteOf({0x100, 0x200, 0x300});
  const std::uintptr_t* slots_[3] = {stack_.at(0), stack_.at(9), stack_.at(20)};
};

TEST_F(UnwindPlansTest, ALearntPlanCompletesTheSameWalk) {
  Site site = walked_;
  EXPECT_FALSE(plans_->Apply(stack_.anchor(), stack_.high(), site));
  plans_->Learn(walked_, completed_, stack_.anchor(), slots_, stack_.high());
  ASSERT_TRUE(plans_->Apply(stack_.anchor(), stack_.high(), site));
  ASSERT_EQ(site.depth, 3);
  EXPECT_EQ(site.pcs[0], 0x100u);
  EXPECT_EQ(site.pcs[1], 0x200u);
  EXPECT_EQ(site.pcs[2], 0x300u);
}

TEST_F(UnwindPlansTest, AnotherWalkIsNotCompletedByThePlan) {
  plans_->Learn(walked_, completed_, stack_.anchor(), slots_, stack_.high());
  Site other = SiteOf({0x100, 0x400});
  EXPECT_FALSE(plans_->Apply(stack_.anchor(), stack_.high(), other));
  EXPECT_EQ(other.depth, 2);
  Site longer = SiteOf({0x100, 0x300, 0x500});
  EXPECT_FALSE(plans_->Apply(stack_.anchor(), stack_.high(), longer));
}

// Another frame at the skipped caller's slot: the plan's site would be a
// guess, so it is not used (the hook unwinds again).
TEST_F(UnwindPlansTest, AStackThatNoLongerMatchesIsNotCompleted) {
  plans_->Learn(walked_, completed_, stack_.anchor(), slots_, stack_.high());
  stack_.words[9] = 0x250;
  Site site = walked_;
  EXPECT_FALSE(plans_->Apply(stack_.anchor(), stack_.high(), site));
  EXPECT_EQ(site.depth, 2);
}

// A plan whose slots leave the stack, or do not hold the frames the
// unwinder named, is not kept.
TEST_F(UnwindPlansTest, SlotsOutsideTheStackOrNotHoldingTheFramesAreNotLearnt) {
  const std::uintptr_t* wrong[3] = {stack_.at(0), stack_.at(10), stack_.at(20)};
  plans_->Learn(walked_, completed_, stack_.anchor(), wrong, stack_.high());
  Site site = walked_;
  EXPECT_FALSE(plans_->Apply(stack_.anchor(), stack_.high(), site));
  const std::uintptr_t high_below_last = reinterpret_cast<std::uintptr_t>(stack_.at(20));
  plans_->Learn(walked_, completed_, stack_.anchor(), slots_, high_below_last);
  EXPECT_FALSE(plans_->Apply(stack_.anchor(), stack_.high(), site));
}

// The same walk from a deeper stack: the slots are relative to the anchor.
TEST_F(UnwindPlansTest, APlanAppliesWhereverTheStackLies) {
  plans_->Learn(walked_, completed_, stack_.anchor(), slots_, stack_.high());
  std::uintptr_t deeper[80] = {};
  for (int i = 0; i < 64; ++i) deeper[16 + i] = stack_.words[i];
  Site site = walked_;
  ASSERT_TRUE(plans_->Apply(deeper + 16, reinterpret_cast<std::uintptr_t>(deeper + 80), site));
  EXPECT_EQ(site.pcs[1], 0x200u);
}

}  // namespace
}  // namespace racelab::lockorder
