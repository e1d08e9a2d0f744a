// A case's findings as plain text, the way every text report shows them:
// one line per finding ("tsan data-race x3: message", with "(first with
// seed S)" after the count in perturbed runs), its sites below it
// ("at file:line in Function [T2] (role)"), optionally its evidence (gdb
// stacks, last output) cut after a few lines, then the case's errors and
// note. The console report and JUnit's failure texts use it. Pure.
#ifndef RACELAB_HARNESS_REPORT_FINDINGS_TEXT_H_
#define RACELAB_HARNESS_REPORT_FINDINGS_TEXT_H_

#include <string>

#include "harness/report/report.h"

namespace racelab {

struct FindingsTextLayout {
  std::string indent;       // before each finding, error and note line
  std::string site_indent;  // before each "at <site>" line
  bool details = false;     // each finding's evidence, below its sites
};

// At most this many lines of a finding's evidence are shown.
inline constexpr int kMaxDetailLines = 40;

std::string FindingsText(const CaseResult& result, const FindingsTextLayout& layout);

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_FINDINGS_TEXT_H_
