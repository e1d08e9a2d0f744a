// Renderings of a LockOrderAnalysis for `racelab-lockorder report`: text for
// people, JSON for scripts (schema "racelab-lockorder-report/1"), and DOT for
// graphviz with the cycle edges highlighted. Rendering only.
#ifndef RACELAB_HARNESS_REPORT_LOCKORDER_WRITERS_H_
#define RACELAB_HARNESS_REPORT_LOCKORDER_WRITERS_H_

#include <string>

#include "harness/model/lock_order_graph.h"

namespace racelab {

std::string FormatLockOrderText(const LockOrderAnalysis& analysis);
std::string FormatLockOrderJson(const LockOrderAnalysis& analysis);
std::string FormatLockOrderDot(const LockOrderAnalysis& analysis);

}  // namespace racelab

#endif  // RACELAB_HARNESS_REPORT_LOCKORDER_WRITERS_H_
