// Tests that report files replace regular files atomically and write
// through everything else: devices stay devices, links stay links, FIFOs
// are read by their reader.
#include "harness/report/report_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/testing/scratch_dir.h"

namespace racelab {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string TempDir() { return NewScratchDir("racelab_report_file_test"); }

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(ReportFileTest, ANewFileIsCreatedWithItsDirectories) {
  const std::string dir = TempDir();
  ASSERT_TRUE(WriteReportFile(dir + "/a/b/report.json", "{}").ok());
  EXPECT_EQ(Slurp(dir + "/a/b/report.json"), "{}");
  EXPECT_THAT(Names(dir + "/a/b"), ::testing::ElementsAre("report.json"));  // no temporary left
}

TEST(ReportFileTest, ARegularFileIsReplacedKeepingItsMode) {
  const std::string dir = TempDir();
  const std::string path = dir + "/report.json";
  std::ofstream(path) << "old and longer content";
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  ASSERT_TRUE(WriteReportFile(path, "new").ok());
  EXPECT_EQ(Slurp(path), "new");
  struct stat status;
  ASSERT_EQ(::stat(path.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777, 0600u);
}

TEST(ReportFileTest, ASymlinkKeepsItsLinkAndItsTargetIsWritten) {
  const std::string dir = TempDir();
  fs::create_directory(dir + "/real");
  std::ofstream(dir + "/real/report.json") << "old";
  fs::create_symlink("real/report.json", dir + "/link.json");
  ASSERT_TRUE(WriteReportFile(dir + "/link.json", "new").ok());
  EXPECT_TRUE(fs::is_symlink(dir + "/link.json"));
  EXPECT_EQ(Slurp(dir + "/real/report.json"), "new");
  // A dangling link: its target is created, the link stays.
  fs::create_symlink("real/later.json", dir + "/dangling.json");
  ASSERT_TRUE(WriteReportFile(dir + "/dangling.json", "made").ok());
  EXPECT_TRUE(fs::is_symlink(dir + "/dangling.json"));
  EXPECT_EQ(Slurp(dir + "/real/later.json"), "made");
}

TEST(ReportFileTest, ACharacterDeviceStaysADevice) {
  const std::string dir = TempDir();
  const std::string device = dir + "/null";
  // The same device as /dev/null, made here so that a regression cannot
  // damage the machine's own.
  if (::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "mknod needs CAP_MKNOD (run as root): " << std::strerror(errno);
  }
  ASSERT_TRUE(WriteReportFile(device, "report").ok());
  struct stat status;
  ASSERT_EQ(::lstat(device.c_str(), &status), 0);
  EXPECT_TRUE(S_ISCHR(status.st_mode));
  EXPECT_THAT(Names(dir), ::testing::ElementsAre("null"));
}

TEST(ReportFileTest, AFullDeviceIsAnErrorAndStaysADevice) {
  const std::string dir = TempDir();
  const std::string device = dir + "/full";
  if (::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 7)) != 0) {
    GTEST_SKIP() << "mknod needs CAP_MKNOD (run as root): " << std::strerror(errno);
  }
  const absl::Status written = WriteReportFile(device, "report");
  EXPECT_THAT(std::string(written.message()), HasSubstr("No space left on device"));
  struct stat status;
  ASSERT_EQ(::lstat(device.c_str(), &status), 0);
  EXPECT_TRUE(S_ISCHR(status.st_mode));
}

TEST(ReportFileTest, AFifoReaderReceivesTheReport) {
  const std::string dir = TempDir();
  const std::string fifo = dir + "/pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = Slurp(fifo); });
  const absl::Status written = WriteReportFile(fifo, "{\"schema\": 1}");
  reader.join();
  EXPECT_TRUE(written.ok()) << written;
  EXPECT_EQ(received, "{\"schema\": 1}");
  struct stat status;
  ASSERT_EQ(::lstat(fifo.c_str(), &status), 0);
  EXPECT_TRUE(S_ISFIFO(status.st_mode));
}

TEST(ReportFileTest, ADevFdPathWritesToThatDescriptor) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string path = "/dev/fd/" + std::to_string(fds[1]);
  ASSERT_TRUE(WriteReportFile(path, "through the pipe").ok());
  ::close(fds[1]);
  char buffer[64] = {};
  const ssize_t n = ::read(fds[0], buffer, sizeof buffer - 1);
  ::close(fds[0]);
  EXPECT_EQ(std::string(buffer, n > 0 ? static_cast<size_t>(n) : 0), "through the pipe");
}

TEST(ReportFileTest, ADirectoryIsAnErrorAndStaysADirectory) {
  const std::string dir = TempDir();
  const absl::Status written = WriteReportFile(dir, "report");
  EXPECT_THAT(std::string(written.message()), HasSubstr("Is a directory"));
  EXPECT_TRUE(fs::is_directory(dir));
}

TEST(ReportFileTest, TwoNamesForOneFileAreRefused) {
  const std::string dir = TempDir();
  std::ofstream(dir + "/report.json") << "x";
  fs::create_symlink("report.json", dir + "/link.json");
  const absl::Status linked =
      CheckDistinctReportPaths({{"--json", dir + "/report.json"}, {"--html", dir + "/link.json"}});
  EXPECT_THAT(std::string(linked.message()), HasSubstr("--json"));
  EXPECT_THAT(std::string(linked.message()), HasSubstr("--html"));
  EXPECT_THAT(std::string(linked.message()), HasSubstr("name the same file"));
  // Not there yet, spelled two ways.
  EXPECT_FALSE(CheckDistinctReportPaths(
                   {{"--json", dir + "/new.json"}, {"--sarif", dir + "/./sub/../new.json"}})
                   .ok());
  EXPECT_FALSE(CheckDistinctReportPaths({{"--json", "-"}, {"--junit", "-"}}).ok());
  EXPECT_TRUE(CheckDistinctReportPaths({{"--json", dir + "/a.json"},
                                        {"--junit", dir + "/b.xml"},
                                        {"--sarif", ""},
                                        {"--html", ""}})
                  .ok());
}

TEST(ReportFileTest, WrittenThroughMeansNotARegularFile) {
  const std::string dir = TempDir();
  std::ofstream(dir + "/graph.dot") << "x";
  EXPECT_FALSE(IsWrittenThrough(dir + "/graph.dot"));
  EXPECT_FALSE(IsWrittenThrough(dir + "/new.dot"));
  EXPECT_TRUE(IsWrittenThrough("/dev/null"));
  EXPECT_TRUE(IsWrittenThrough("-"));
}

}  // namespace
}  // namespace racelab
