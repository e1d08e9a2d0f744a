// Tests for case validation, the registry, glob filtering and the catalog
// rules.
#include "harness/catalog/registry.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab {
namespace {

using ::testing::HasSubstr;

CaseSpec Clean(std::string pattern, std::string variant) {
  CaseSpec spec;
  spec.pattern = std::move(pattern);
  spec.variant = std::move(variant);
  spec.expect = Expect::kClean;
  spec.body = [] { return Observation{}; };
  return spec;
}

CaseSpec Racy(std::string pattern, std::string variant = "racy") {
  CaseSpec spec = Clean(std::move(pattern), std::move(variant));
  spec.expect = Expect::kBug;
  spec.bug_kinds = {FindingKind::kDataRace};
  spec.found_by = {Detector::kTsan};
  return spec;
}

TEST(CaseSpecTest, AcceptsWellFormedCases) {
  EXPECT_TRUE(ValidateCaseSpec(Clean("counter", "atomic")).ok());
  EXPECT_TRUE(ValidateCaseSpec(Racy("counter")).ok());
  EXPECT_TRUE(ValidateCaseSpec(Racy("abba_deadlock", "racy_latent")).ok());
}

TEST(CaseSpecTest, RejectsBadIds) {
  EXPECT_THAT(ValidateCaseSpec(Clean("Counter", "atomic")).message(), HasSubstr("[a-z0-9_]+"));
  EXPECT_FALSE(ValidateCaseSpec(Clean("counter", "")).ok());
  EXPECT_FALSE(ValidateCaseSpec(Clean("counter", "with-dash")).ok());
  EXPECT_FALSE(ValidateCaseSpec(Clean("a/b", "atomic")).ok());
}

TEST(CaseSpecTest, NamesAndExpectationsAgree) {
  EXPECT_FALSE(ValidateCaseSpec(Clean("counter", "racy")).ok());  // racy must expect bug
  CaseSpec bug_named_as_fix = Racy("counter", "locked");
  EXPECT_FALSE(ValidateCaseSpec(bug_named_as_fix).ok());
  CaseSpec racy_without_kinds = Racy("counter");
  racy_without_kinds.bug_kinds.clear();
  EXPECT_THAT(ValidateCaseSpec(racy_without_kinds).message(), HasSubstr("bug_kinds"));
  CaseSpec clean_with_kinds = Clean("counter", "locked");
  clean_with_kinds.bug_kinds = {FindingKind::kDataRace};
  EXPECT_FALSE(ValidateCaseSpec(clean_with_kinds).ok());
  CaseSpec no_body = Clean("counter", "locked");
  no_body.body = nullptr;
  EXPECT_THAT(ValidateCaseSpec(no_body).message(), HasSubstr("no body"));
}

TEST(CaseRegistryTest, KeepsCasesSortedAndRejectsDuplicates) {
  CaseRegistry registry;
  ASSERT_TRUE(registry.Add(Racy("counter")).ok());
  ASSERT_TRUE(registry.Add(Clean("counter", "atomic")).ok());
  ASSERT_TRUE(registry.Add(Clean("abba", "ordered")).ok());
  EXPECT_EQ(registry.Add(Clean("counter", "atomic")).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.Add(Clean("Bad", "x")).code(), absl::StatusCode::kInvalidArgument);

  std::vector<std::string> ids;
  for (const CaseSpec* spec : registry.All()) ids.push_back(spec->Id());
  EXPECT_THAT(ids, ::testing::ElementsAre("abba/ordered", "counter/atomic", "counter/racy"));
}

TEST(CaseRegistryTest, FindsByIdAndExplainsAnUnknownOne) {
  CaseRegistry registry;
  ASSERT_TRUE(registry.Add(Racy("counter")).ok());
  ASSERT_TRUE(registry.Add(Clean("counter", "atomic")).ok());
  absl::StatusOr<const CaseSpec*> found = registry.Find("counter/racy");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ((*found)->variant, "racy");

  absl::StatusOr<const CaseSpec*> missing = registry.Find("counter/mutex");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("unknown case id 'counter/mutex'"));
  EXPECT_THAT(missing.status().message(), HasSubstr("counter/atomic"));
  EXPECT_THAT(registry.Find("nothing/here").status().message(), HasSubstr("racelab list"));
}

TEST(CaseRegistryTest, FiltersWithGlobs) {
  CaseRegistry registry;
  ASSERT_TRUE(registry.Add(Racy("counter")).ok());
  ASSERT_TRUE(registry.Add(Clean("counter", "atomic")).ok());
  ASSERT_TRUE(registry.Add(Racy("fake_database")).ok());
  EXPECT_EQ(registry.Matching("counter/*").size(), 2u);
  EXPECT_EQ(registry.Matching("*/racy").size(), 2u);
  EXPECT_EQ(registry.Matching("counter/racy").size(), 1u);
  EXPECT_EQ(registry.Matching("count").size(), 0u);
  EXPECT_EQ(registry.Matching("").size(), 3u);
}

TEST(GlobTest, MatchesWholeStrings) {
  EXPECT_TRUE(GlobMatches("*", ""));
  EXPECT_TRUE(GlobMatches("a*c", "abbbc"));
  EXPECT_TRUE(GlobMatches("a?c", "abc"));
  EXPECT_FALSE(GlobMatches("a?c", "ac"));
  EXPECT_TRUE(GlobMatches("*/racy*", "abba/racy_latent"));
  EXPECT_FALSE(GlobMatches("*/racy", "abba/racy_latent"));
  EXPECT_TRUE(GlobMatches("**a", "bba"));
}

TEST(CaseRegistryTest, CatalogRulesNeedRacyAndACorrectVariant) {
  CaseRegistry only_racy;
  ASSERT_TRUE(only_racy.Add(Racy("counter")).ok());
  EXPECT_THAT(only_racy.ValidateCatalog().message(), HasSubstr("no correct variant"));

  CaseRegistry only_clean;
  ASSERT_TRUE(only_clean.Add(Clean("counter", "atomic")).ok());
  ASSERT_TRUE(only_clean.Add(Racy("counter", "racy_latent")).ok());
  EXPECT_THAT(only_clean.ValidateCatalog().message(), HasSubstr("no 'racy' variant"));

  ASSERT_TRUE(only_racy.Add(Clean("counter", "atomic")).ok());
  EXPECT_TRUE(only_racy.ValidateCatalog().ok());
}

TEST(CaseFolderOfTest, TheFolderUnderCasesOrNothing) {
  EXPECT_EQ(CaseFolderOf("/src/cases/counter/counter.cc"), "counter");
  EXPECT_EQ(CaseFolderOf("cases/bank_account/bank_account.cc"), "bank_account");
  EXPECT_EQ(CaseFolderOf("/src/harness/catalog/registry_test.cc"), "");
  EXPECT_EQ(CaseFolderOf("/src/testcases/x/y.cc"), "");
  EXPECT_EQ(CaseFolderOf("/src/cases/catalog_test.cc"), "");
}

}  // namespace
}  // namespace racelab
