// Text form of a source location (see site_text.h).
#include "harness/report/site_text.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace racelab {

std::string ShortFunctionName(absl::string_view function) {
  std::string name = absl::StrReplaceAll(function, {{"(anonymous namespace)::", ""}});
  // Drop the parameter list that closes the name (and " const" after it):
  // the last ')' and the '(' that matches it.
  const size_t close = name.rfind(')');
  if (close == std::string::npos) return name;
  int depth = 0;
  for (size_t i = close + 1; i-- > 0;) {
    if (name[i] == ')') ++depth;
    if (name[i] == '(' && --depth == 0) {
      if (i > 0) name.resize(i);
      break;
    }
  }
  return name;
}

std::string SiteText(const Location& location, bool with_thread_and_role) {
  std::string text = absl::StrCat(location.file, ":", location.line);
  if (!location.function.empty())
    absl::StrAppend(&text, " in ", ShortFunctionName(location.function));
  if (with_thread_and_role && !location.thread.empty())
    absl::StrAppend(&text, " [", location.thread, "]");
  if (with_thread_and_role && !location.role.empty())
    absl::StrAppend(&text, " (", location.role, ")");
  return text;
}

}  // namespace racelab
