// The JUnit XML report (`racelab run --junit FILE`), for CI test viewers:
// one <testsuite> per pattern, one <testcase> per case id (classname = the
// pattern, name = the variant). A case whose verdict is not as expected
// carries a <failure> (missed, false positive) or an <error> (could not be
// run or read) whose text lists the findings with their locations; the
// findings of a case that went as expected (a racy variant detected) are in
// its <system-out>. Rendering only: every value comes from the Report.
#ifndef RACELAB_HARNESS_REPORT_JUNIT_WRITER_H_
#define RACELAB_HARNESS_REPORT_JUNIT_WRITER_H_

#include <string>

#include "absl/strings/string_view.h"
#include "harness/report/report.h"
#include "harness/report/report_format.h"

namespace racelab {

// The report as a JUnit XML document, ending in a newline.
std::string FormatJunitReport(const Report& report, const WriterOptions& options = {});

// `text` made safe for XML character data and attribute values: the five
// markup characters escaped, characters XML 1.0 cannot carry at all (most
// control characters, invalid UTF-8) replaced by U+FFFD.
std::string XmlEscape(absl::string_view text);

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_JUNIT_WRITER_H_
