// How a source location reads in text reports: "file:line in Function [T2]
// (role)", with the function shortened for people (no parameter list, no
// "(anonymous namespace)::"). JSON keeps the full name. Pure; any thread.
#ifndef RACELAB_HARNESS_REPORT_SITE_TEXT_H_
#define RACELAB_HARNESS_REPORT_SITE_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "harness/model/finding.h"

namespace racelab {

// "racelab::cases::abba_deadlock::(anonymous namespace)::RacyTransfer(Account&, int)" →
// "racelab::cases::abba_deadlock::RacyTransfer".
std::string ShortFunctionName(absl::string_view function);

// "cases/x.cc:31 in Increment [T2] (Read of size 4)"; thread and role only
// when known and asked for.
std::string SiteText(const Location& location, bool with_thread_and_role = true);

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_SITE_TEXT_H_
