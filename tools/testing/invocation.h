// Test helper for the end-to-end tests of racelab's commands: runs a
// command line as a user would (its own process, both output streams
// captured) and returns its exit code and output. Fails the current test
// when the command cannot be started or does not exit by itself.
#ifndef RACELAB_TOOLS_TESTING_INVOCATION_H_
#define RACELAB_TOOLS_TESTING_INVOCATION_H_

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/process/child_process.h"

namespace racelab {

struct Invocation {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved (first 256 KiB)
};

inline Invocation Invoke(std::vector<std::string> argv) {
  ChildSpec spec;
  spec.argv = std::move(argv);
  spec.timeout = absl::Seconds(120);
  absl::StatusOr<ChildOutcome> outcome = RunChild(spec);
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  if (!outcome.ok()) return {};
  EXPECT_EQ(outcome->end, ChildOutcome::End::kExited) << DescribeEnd(*outcome);
  if (outcome->end != ChildOutcome::End::kExited) return {};
  return {outcome->exit_code, outcome->output_head};
}

}  // namespace racelab

#endif  // RACELAB_TOOLS_TESTING_INVOCATION_H_
