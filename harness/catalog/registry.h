// The case registry: every catalog case, registered by a CaseRegistrar at
// static-initialisation time (one line per case, as GoogleTest registers
// tests). Registration happens before main() on one thread; afterwards the
// registry is read-only and may be read from any thread.
#ifndef RACELAB_HARNESS_CATALOG_REGISTRY_H_
#define RACELAB_HARNESS_CATALOG_REGISTRY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "harness/catalog/case_spec.h"

namespace racelab {

class CaseRegistry {
 public:
  // The process-wide catalog that CaseRegistrar fills.
  static CaseRegistry& Global();

  // Adds a case. Returns InvalidArgument when the spec is malformed and
  // AlreadyExists when its id is taken; the registry is unchanged then.
  absl::Status Add(CaseSpec spec);

  // Cases sorted by id.
  std::vector<const CaseSpec*> All() const;

  // Cases whose id matches a shell-style glob ('*', '?'); an empty glob
  // matches everything. Sorted by id.
  std::vector<const CaseSpec*> Matching(absl::string_view glob) const;

  // NotFound naming the id (and the closest known ids) when it is unknown.
  absl::StatusOr<const CaseSpec*> Find(absl::string_view id) const;

  // Catalog-wide rules: every pattern has a `racy` variant and at least one
  // correct one. Returns FailedPrecondition naming the first pattern that
  // breaks them.
  absl::Status ValidateCatalog() const;

 private:
  // By id. A map, not a sorted vector: registration runs in every child
  // process before main (under ThreadSanitizer, too), and a map neither
  // moves the specs nor rebuilds an id per comparison.
  std::map<std::string, CaseSpec, std::less<>> cases_;
};

// Shell-style glob match of a whole string: '*' any run, '?' one character.
bool GlobMatches(absl::string_view glob, absl::string_view text);

// Registers one case into CaseRegistry::Global(), with the file and line
// it is registered at. A malformed or duplicate case, or one registered in
// cases/<folder>/ whose pattern is not <folder>, is a programming error: it
// aborts at start-up with the reason and the place.
class CaseRegistrar {
 public:
  explicit CaseRegistrar(CaseSpec spec, const char* file = __builtin_FILE(),
                         int line = __builtin_LINE());
};

// The folder a case registered in `file` must be named after: "x" for
// ".../cases/x/x.cc"; "" for a file outside cases/. Pure.
std::string CaseFolderOf(absl::string_view file);

}  // namespace racelab

#endif  // RACELAB_HARNESS_CATALOG_REGISTRY_H_
