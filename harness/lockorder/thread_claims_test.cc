// ThreadClaims: each thread's end is claimed once; a creation at a reused
// handle starts it anew, once per generation whichever report comes first.
#include "harness/lockorder/thread_claims.h"

#include <memory>

#include "gtest/gtest.h"

namespace racelab::lockorder {
namespace {

using Claim = ThreadClaims::Claim;

constexpr std::uintptr_t kWorker = 0x7f0000001640, kOther = 0x7f0000801640;

Site SiteAt(std::uintptr_t pc) {
  Site site;
  site.pcs[0] = pc;
  site.depth = 1;
  return site;
}

TEST(ThreadClaimsTest, ASecondJoinIsToldTheFirstOneAndTheCreation) {
  auto claims = std::make_unique<ThreadClaims>();
  claims->Created(kWorker, 1, /*detached=*/false, SiteAt(0x10));
  EXPECT_EQ(claims->ClaimEnd(kWorker, Claim::kJoined, SiteAt(0x20)).claim, Claim::kNone);
  const ThreadClaims::Earlier earlier = claims->ClaimEnd(kWorker, Claim::kJoined, SiteAt(0x30));
  EXPECT_EQ(earlier.claim, Claim::kJoined);
  EXPECT_EQ(earlier.created.pcs[0], 0x10u);
  EXPECT_EQ(earlier.claimed.pcs[0], 0x20u);
  // Still the first claim's, however often it is claimed again.
  EXPECT_EQ(claims->ClaimEnd(kWorker, Claim::kDetached, SiteAt(0x40)).claimed.pcs[0], 0x20u);
}

TEST(ThreadClaimsTest, AThreadCreatedDetachedIsClaimedAtItsCreation) {
  auto claims = std::make_unique<ThreadClaims>();
  claims->Created(kWorker, 1, /*detached=*/true, SiteAt(0x10));
  const ThreadClaims::Earlier earlier = claims->ClaimEnd(kWorker, Claim::kJoined, SiteAt(0x20));
  EXPECT_EQ(earlier.claim, Claim::kDetached);
  EXPECT_EQ(earlier.claimed.pcs[0], 0x10u);
}

TEST(ThreadClaimsTest, ANewThreadAtAReusedHandleStartsUnclaimed) {
  auto claims = std::make_unique<ThreadClaims>();
  claims->Created(kWorker, 1, false, SiteAt(0x10));
  claims->ClaimEnd(kWorker, Claim::kJoined, SiteAt(0x20));
  claims->Created(kWorker, 2, false, SiteAt(0x11));
  EXPECT_EQ(claims->ClaimEnd(kWorker, Claim::kJoined, SiteAt(0x21)).claim, Claim::kNone);
}

// The new thread reported its creation and detached itself before its
// creator's report came: that late report must not undo the detach.
TEST(ThreadClaimsTest, TheSecondReportOfOneCreationChangesNothing) {
  auto claims = std::make_unique<ThreadClaims>();
  claims->Created(kWorker, 1, false, SiteAt(0x10));
  claims->ClaimEnd(kWorker, Claim::kJoined, SiteAt(0x20));
  claims->Created(kWorker, 2, false, SiteAt(0x11));  // by the new thread
  EXPECT_EQ(claims->ClaimEnd(kWorker, Claim::kDetached, SiteAt(0x30)).claim, Claim::kNone);
  claims->Created(kWorker, 2, false, SiteAt(0x11));  // by its creator
  EXPECT_EQ(claims->ClaimEnd(kWorker, Claim::kJoined, SiteAt(0x40)).claim, Claim::kDetached);
}

TEST(ThreadClaimsTest, AThreadCreatedOutOfSightIsNeverReported) {
  auto claims = std::make_unique<ThreadClaims>();
  EXPECT_EQ(claims->ClaimEnd(kOther, Claim::kJoined, SiteAt(0x20)).claim, Claim::kNone);
  EXPECT_EQ(claims->ClaimEnd(kOther, Claim::kJoined, SiteAt(0x30)).claim, Claim::kNone);
}

// Full, the table tracks no new handle; the handles it has go on being
// tracked, and made new at their creations.
TEST(ThreadClaimsTest, AFullTableKeepsTrackingTheHandlesItHas) {
  auto claims = std::make_unique<ThreadClaims>();
  std::uint64_t generation = 0;
  for (std::uintptr_t i = 1; i <= 1024; ++i) claims->Created(i << 12, ++generation, false, Site());
  claims->Created(kOther, ++generation, false, Site());
  claims->ClaimEnd(kOther, Claim::kJoined, Site());
  EXPECT_EQ(claims->ClaimEnd(kOther, Claim::kJoined, Site()).claim, Claim::kNone);
  const std::uintptr_t kept = 5 << 12;
  claims->ClaimEnd(kept, Claim::kJoined, Site());
  EXPECT_EQ(claims->ClaimEnd(kept, Claim::kJoined, Site()).claim, Claim::kJoined);
  claims->Created(kept, ++generation, false, Site());
  EXPECT_EQ(claims->ClaimEnd(kept, Claim::kJoined, Site()).claim, Claim::kNone);
}

}  // namespace
}  // namespace racelab::lockorder
