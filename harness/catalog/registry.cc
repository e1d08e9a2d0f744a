// The case registry (see registry.h).
#include "harness/catalog/registry.h"

#include <cstdio>
#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace racelab {

CaseRegistry& CaseRegistry::Global() {
  static auto* const registry = new CaseRegistry();
  return *registry;
}

absl::Status CaseRegistry::Add(CaseSpec spec) {
  if (absl::Status valid = ValidateCaseSpec(spec); !valid.ok()) return valid;
  std::string id = spec.Id();
  if (cases_.contains(id)) {
    return absl::AlreadyExistsError(absl::StrCat("case '", id, "' is registered twice"));
  }
  cases_.emplace(std::move(id), std::move(spec));
  return absl::OkStatus();
}

std::vector<const CaseSpec*> CaseRegistry::All() const { return Matching(""); }

std::vector<const CaseSpec*> CaseRegistry::Matching(absl::string_view glob) const {
  std::vector<const CaseSpec*> matches;
  for (const auto& [id, spec] : cases_) {
    if (glob.empty() || GlobMatches(glob, id)) matches.push_back(&spec);
  }
  return matches;
}

absl::StatusOr<const CaseSpec*> CaseRegistry::Find(absl::string_view id) const {
  if (auto found = cases_.find(id); found != cases_.end()) return &found->second;
  // Suggest the variants of the same pattern, which is the usual slip.
  const absl::string_view pattern = id.substr(0, id.find('/'));
  std::vector<std::string> near;
  for (const auto& [known_id, spec] : cases_) {
    if (spec.pattern == pattern) near.push_back(known_id);
  }
  std::string hint = near.empty()
                         ? " (see 'racelab list')"
                         : absl::StrCat(" (did you mean ", absl::StrJoin(near, ", "), "?)");
  return absl::NotFoundError(absl::StrCat("unknown case id '", id, "'", hint));
}

absl::Status CaseRegistry::ValidateCatalog() const {
  std::map<std::string, std::pair<bool, bool>> racy_and_correct;
  for (const auto& [id, spec] : cases_) {
    auto& [has_racy, has_correct] = racy_and_correct[spec.pattern];
    if (spec.variant == "racy") has_racy = true;
    if (spec.expect == Expect::kClean) has_correct = true;
  }
  for (const auto& [pattern, flags] : racy_and_correct) {
    if (!flags.first) {
      return absl::FailedPreconditionError(
          absl::StrCat("pattern '", pattern, "' has no 'racy' variant"));
    }
    if (!flags.second) {
      return absl::FailedPreconditionError(
          absl::StrCat("pattern '", pattern, "' has no correct variant"));
    }
  }
  return absl::OkStatus();
}

bool GlobMatches(absl::string_view glob, absl::string_view text) {
  // Iterative matcher with single-star backtracking: linear in practice.
  size_t g = 0, t = 0, star = absl::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (g < glob.size() && (glob[g] == '?' || glob[g] == text[t])) {
      ++g;
      ++t;
    } else if (g < glob.size() && glob[g] == '*') {
      star = g++;
      resume = t;
    } else if (star != absl::string_view::npos) {
      g = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

std::string CaseFolderOf(absl::string_view file) {
  const size_t cases = file.rfind("cases/");
  if (cases == absl::string_view::npos || (cases > 0 && file[cases - 1] != '/')) return "";
  absl::string_view rest = file.substr(cases + 6);
  const size_t slash = rest.find('/');
  return slash == absl::string_view::npos ? "" : std::string(rest.substr(0, slash));
}

CaseRegistrar::CaseRegistrar(CaseSpec spec, const char* file, int line) {
  const std::string id = spec.Id();
  spec.source_file = file;
  spec.source_line = line;
  absl::Status added = absl::OkStatus();
  const std::string folder = CaseFolderOf(file);
  if (!folder.empty() && folder != spec.pattern) {
    added = absl::InvalidArgumentError(absl::StrCat(
        "its pattern '", spec.pattern, "' is not the name of its folder, cases/", folder, "/"));
  } else {
    added = CaseRegistry::Global().Add(std::move(spec));
  }
  if (!added.ok()) {
    std::fprintf(stderr, "racelab: %s:%d: cannot register case '%s': %s\n", file, line, id.c_str(),
                 std::string(added.message()).c_str());
    std::abort();
  }
}

}  // namespace racelab
