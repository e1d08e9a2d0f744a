// Tests for appending record lines through a shared mapping: every finished
// line is in the file with no flush, also when the process is killed; the
// file's zero bytes grown ahead are cut by Trim and skipped by the reader;
// a signal handler's lines never overlap the checker's.
#include "harness/lockorder/mapped_record_file.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/lockorder/record_file.h"

namespace racelab::lockorder {
namespace {

struct TempFile {
  TempFile() {
    path = ::testing::TempDir() + "mapped_record_file_test.XXXXXX";
    fd = ::mkstemp(path.data());
  }
  ~TempFile() { ::unlink(path.c_str()); }
  std::string Contents() const {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::string path;
  int fd = -1;
};

std::string Lines(int from, int to) {
  std::string text;
  for (int i = from; i < to; ++i) absl::StrAppend(&text, "edge ", i, " ", i + 1, " 1 - - -\n");
  return text;
}

void AppendLines(MappedRecordFile& file, int from, int to) {
  for (int i = from; i < to; ++i) {
    const std::string line = Lines(i, i + 1);
    file.Append(line.data(), line.size());
  }
}

TEST(MappedRecordFileTest, EveryLineIsInTheFileWithNoFlushAndTrimCutsTheZerosGrownAhead) {
  TempFile temp;
  ASSERT_GE(temp.fd, 0);
  MappedRecordFile file(temp.fd, temp.path);
  AppendLines(file, 0, 100);
  const std::string before_trim = temp.Contents();
  EXPECT_GT(before_trim.size(), Lines(0, 100).size()) << "grown ahead";
  EXPECT_EQ(before_trim.find_first_not_of('\0', Lines(0, 100).size()), std::string::npos);
  EXPECT_EQ(CompleteRecordText(before_trim), Lines(0, 100));
  file.Trim();
  EXPECT_EQ(temp.Contents(), Lines(0, 100));
  AppendLines(file, 100, 200);  // grows again after a trim
  file.Trim();
  EXPECT_EQ(temp.Contents(), Lines(0, 200));
}

TEST(MappedRecordFileTest, AProcessKilledOutrightLeavesEveryLineItFinished) {
  TempFile temp;
  ASSERT_GE(temp.fd, 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    MappedRecordFile file(temp.fd, temp.path);
    AppendLines(file, 0, 20000);  // several growth steps
    ::raise(SIGKILL);
    ::_exit(1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_EQ(CompleteRecordText(temp.Contents()), Lines(0, 20000));
}

TEST(MappedRecordFileTest, ASignalHandlersLinesGoPastTheEndAndSurviveATrim) {
  TempFile temp;
  ASSERT_GE(temp.fd, 0);
  MappedRecordFile file(temp.fd, temp.path);
  AppendLines(file, 0, 3);
  const std::string dumped = "wait-end 0\n";
  file.AppendFromSignalHandler(dumped.data(), dumped.size());
  AppendLines(file, 3, 5);
  file.Trim(/*keep_growing=*/false);
  AppendLines(file, 5, 6);  // written exactly from now on
  EXPECT_EQ(temp.Contents(), Lines(0, 3) + dumped + Lines(3, 6));
}

TEST(MappedRecordFileTest, AFileThatCannotBeMappedIsWrittenLineByLine) {
  int pipe_ends[2];
  ASSERT_EQ(::pipe(pipe_ends), 0);
  {
    MappedRecordFile file(pipe_ends[1], "");
    AppendLines(file, 0, 2);
  }  // closes the write end
  char buffer[256];
  const ssize_t n = ::read(pipe_ends[0], buffer, sizeof buffer);
  ::close(pipe_ends[0]);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(n)), Lines(0, 2));
}

TEST(CompleteRecordTextTest, DropsUnfinishedLinesAndZerosAndKeepsWhatFollows) {
  const std::string zeros(7, '\0');
  EXPECT_EQ(CompleteRecordText("a 1\nb 2" + zeros + "c 3\n" + zeros), "a 1\nc 3\n");
  EXPECT_EQ(CompleteRecordText("a 1\n" + zeros + "\n"), "a 1\n");
  EXPECT_EQ(CompleteRecordText("a 1\nb 2" + zeros), "a 1\n");
  // No zeros after the last line: cut short, kept for the parser to refuse.
  EXPECT_EQ(CompleteRecordText("a 1\n" + zeros + "b 2\nc 3"), "a 1\nb 2\nc 3");
  EXPECT_EQ(CompleteRecordText("a 1\n"), "a 1\n");
}

TEST(CompleteRecordTextTest, TheParserReadsWhatADyingWriterLeft) {
  const std::string text = std::string(kRecordFileHeader) + "\nprocess 42 /bin/prog\nthread 1 7\n" +
                           "thread 2 8\nthr" + std::string(4096, '\0');
  absl::StatusOr<Recording> read = ParseRecording(text, "f.lockorder");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->threads.size(), 2u);
}

}  // namespace
}  // namespace racelab::lockorder
