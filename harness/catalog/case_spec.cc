// Validation of a single CaseSpec (see case_spec.h).
#include "harness/catalog/case_spec.h"

#include "absl/strings/str_cat.h"

namespace racelab {

bool IsValidIdPart(absl::string_view part) {
  if (part.empty()) return false;
  for (char c : part) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

absl::Status ValidateCaseSpec(const CaseSpec& spec) {
  const std::string id = spec.Id();
  if (!IsValidIdPart(spec.pattern) || !IsValidIdPart(spec.variant)) {
    return absl::InvalidArgumentError(
        absl::StrCat("case id '", id, "': each part must be [a-z0-9_]+"));
  }
  const bool named_racy = spec.variant == "racy" || spec.variant.rfind("racy_", 0) == 0;
  if (named_racy != (spec.expect == Expect::kBug)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "case '", id, "': variants named racy or racy_* expect bug, others expect clean"));
  }
  if (spec.expect == Expect::kBug &&
      (spec.bug_kinds.empty() || (spec.found_by.empty() && spec.sometimes_found_by.empty()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("case '", id, "': a racy variant must list bug_kinds and found_by"));
  }
  if (spec.expect == Expect::kClean &&
      (!spec.bug_kinds.empty() || !spec.found_by.empty() || !spec.sometimes_found_by.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("case '", id, "': a correct variant lists no bug_kinds or found_by"));
  }
  if (!spec.body) {
    return absl::InvalidArgumentError(absl::StrCat("case '", id, "': no body"));
  }
  if (spec.timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("case '", id, "': negative timeout"));
  }
  return absl::OkStatus();
}

}  // namespace racelab
