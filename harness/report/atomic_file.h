// Writing a report file so that readers never see half of it: the content
// goes to a temporary file in the same directory, which is then renamed over
// the target. Any thread; concurrent writers to one path: last rename wins.
#ifndef RACELAB_HARNESS_REPORT_ATOMIC_FILE_H_
#define RACELAB_HARNESS_REPORT_ATOMIC_FILE_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace racelab {

// Creates missing parent directories. Returns Unavailable naming the path
// and the reason when the file cannot be written; the target is then untouched.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view content);

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_ATOMIC_FILE_H_
