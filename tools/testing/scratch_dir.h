// Test helper: scratch directories for tests that write files (reports,
// programs' output, record files). Each is fresh (mkdtemp under GoogleTest's
// temporary directory, named after the test binary's purpose) and removed,
// with everything in it, when the test process exits: ctest runs each test
// in its own process, so a run of the suite leaves nothing in /tmp.
// One thread (the test's).
#ifndef RACELAB_TOOLS_TESTING_SCRATCH_DIR_H_
#define RACELAB_TOOLS_TESTING_SCRATCH_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "gtest/gtest.h"

namespace racelab {

// A new directory "<TempDir><prefix>.XXXXXX"; fails the current test (and
// returns the unexpanded pattern) when it cannot be made.
inline std::string NewScratchDir(const std::string& prefix) {
  // Removes every directory made here when the process ends.
  struct Cleanup {
    std::vector<std::string> dirs;
    ~Cleanup() {
      std::error_code ignored;
      for (const std::string& dir : dirs) std::filesystem::remove_all(dir, ignored);
    }
  };
  static Cleanup cleanup;
  std::string pattern = ::testing::TempDir() + prefix + ".XXXXXX";
  const bool made = ::mkdtemp(pattern.data()) != nullptr;
  EXPECT_TRUE(made) << "cannot make a scratch directory " << pattern;
  if (made) cleanup.dirs.push_back(pattern);
  return pattern;
}

}  // namespace racelab

#endif  // RACELAB_TOOLS_TESTING_SCRATCH_DIR_H_
