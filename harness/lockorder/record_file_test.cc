// Tests for the lock-order record file: what the writer writes, the reader
// reads back; foreign, truncated and corrupt files are refused with the
// file, the line and the reason.
#include "harness/lockorder/record_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/lockorder/record_writer.h"

namespace racelab::lockorder {
namespace {

using ::testing::HasSubstr;

std::string Header() { return std::string(kRecordFileHeader) + "\nprocess 42 /bin/prog\n"; }

TEST(RecordFileTest, WhatTheWriterWritesTheReaderReads) {
  std::string path = ::testing::TempDir() + "record_file_test.XXXXXX";
  const int fd = ::mkstemp(path.data());
  ASSERT_GE(fd, 0);
  {
    RecordFileWriter writer(fd);
    Site site;
    site.pcs[0] = reinterpret_cast<std::uintptr_t>(&Header);  // inside this test binary
    site.depth = 1;
    writer.OnThread(1, 1001);
    writer.OnThread(2, 1002);
    writer.OnSite(0, site);
    writer.OnLock(LockRecord{0, LockKind::kMutex, 0x1000, 0});
    writer.OnLock(LockRecord{1, LockKind::kRecursiveMutex, 0x2000, kNoSite});
    writer.OnHeldSet(0, kNoHeldSet, 0);
    writer.OnHeldSet(1, kNoHeldSet, 1);
    writer.OnEdge(Edge{0, 1, EdgeWitness{1, 0, 0, 0}});
    writer.OnEdge(Edge{1, 0, EdgeWitness{2, 0, kNoSite, 1}});
    writer.OnEdgeRetaken(Edge{0, 1, EdgeWitness{2, kNoSite, 0, 1}, true, kNoHeldSet});
    writer.OnInversion(InversionRecord{2, {1, 0, 1}, {}});
    writer.OnSelfDeadlock(SelfDeadlockRecord{1, 0, 0, 0, true});
    writer.OnMisuse(MisuseRecord{2, 0, 0, MisuseKind::kUnlockNotOwner, 1});
    writer.OnLock(LockRecord{2, LockKind::kThread, 0x3000, 0});
    writer.OnMisuse(MisuseRecord{1, 2, kNoSite, MisuseKind::kJoinedTwice, 0, 0, 0});
    writer.OnMisuse(MisuseRecord{1, 2, 0, MisuseKind::kDetachJoined, 0, 0, kNoSite});
  }
  absl::StatusOr<Recording> read = ReadRecording(path);
  ::unlink(path.c_str());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->pid, ::getpid());
  ASSERT_EQ(read->modules.size(), 1u);
  ASSERT_EQ(read->sites.at(0).size(), 1u);
  EXPECT_EQ(read->threads.at(2), 1002);
  EXPECT_EQ(read->locks.at(1).kind, LockKind::kRecursiveMutex);
  EXPECT_EQ(read->locks.at(1).address, 0x2000u);
  ASSERT_EQ(read->edges.size(), 2u);
  EXPECT_EQ(read->edges[1].witness.requested_site, kNoSite);
  EXPECT_THAT(read->HeldLocks(read->edges[1].witness), ::testing::ElementsAre(1));
  EXPECT_EQ(read->edges[0].witness.thread, 2u);  // retaken
  EXPECT_TRUE(read->edges[0].guard_narrowed);
  EXPECT_THAT(read->GuardLocks(read->edges[0]), ::testing::IsEmpty());
  EXPECT_THAT(read->inversions.at(0).cycle, ::testing::ElementsAre(1, 0, 1));
  EXPECT_TRUE(read->self_deadlocks.at(0).shared_held);
  EXPECT_EQ(read->misuses.at(0).kind, MisuseKind::kUnlockNotOwner);
  EXPECT_EQ(read->misuses.at(0).owner, 1u);
  // A thread misuse's extra field is the earlier claim's site, not a lock.
  EXPECT_EQ(read->locks.at(2).kind, LockKind::kThread);
  EXPECT_EQ(read->locks.at(2).first_site, 0u);
  EXPECT_EQ(read->misuses.at(1).kind, MisuseKind::kJoinedTwice);
  EXPECT_EQ(read->misuses.at(1).earlier_site, 0u);
  EXPECT_EQ(read->misuses.at(1).other, 0u);
  EXPECT_EQ(read->misuses.at(2).earlier_site, kNoSite);
}

TEST(RecordFileTest, RefusesForeignTruncatedAndCorruptFiles) {
  auto error = [](const std::string& text) {
    return std::string(ParseRecording(text, "f.lockorder").status().message());
  };
  EXPECT_THAT(error(""), HasSubstr("f.lockorder:1: empty file"));
  EXPECT_THAT(error("hello world\n"), HasSubstr("f.lockorder:1: not a racelab lock-order file"));
  EXPECT_THAT(error(Header() + "thread 1 7"), HasSubstr("f.lockorder:3: truncated"));
  EXPECT_THAT(error(Header() + "thread 1 x\n"), HasSubstr("f.lockorder:3: field 3"));
  EXPECT_THAT(error(Header() + "lock 0 mutex 0x10 5\n"), HasSubstr(":3: site 5 is not declared"));
  EXPECT_THAT(error(Header() + "thread 1 7\nedge 0 1 1 - - -\n"),
              HasSubstr(":4: lock 0 is not declared"));
  EXPECT_THAT(error(Header() + "lock 0 spinlock 0x10 -\n"),
              HasSubstr("unknown lock kind 'spinlock'"));
  EXPECT_THAT(error(Header() + "thread 1 7\nlock 0 mutex 0x10 -\ninversion 1 0,0 -\n"),
              HasSubstr(":5: a cycle must start and end"));
  EXPECT_THAT(error(Header() + "\n"), HasSubstr(":3: empty line"));
  EXPECT_THAT(error(Header() + "frobnicate 1\n"),
              HasSubstr(":3: unexpected record 'frobnicate 1'"));
  EXPECT_THAT(error(Header() + "site 0 3+0x10\n"), HasSubstr("module 3 is not declared"));
  EXPECT_THAT(error(Header() + "module 0 /x\nsite 0 0+zz\n"),
              HasSubstr("'zz' is not a 0x address"));
}

// What a program could append to its record file: none of it may reach the
// analysis, where a self-edge or a duplicate id would break the graph.
TEST(RecordFileTest, RefusesSelfEdgesDuplicatesJunkAndOtherVersions) {
  auto error = [](const std::string& text) {
    return std::string(ParseRecording(text, "f.lockorder").status().message());
  };
  const std::string lock0 = Header() + "thread 1 7\nlock 0 mutex 0x10 -\n";
  EXPECT_THAT(error(lock0 + "edge 0 0 1 - - -\n"), HasSubstr(":5: edge from lock 0 to itself"));
  EXPECT_THAT(error(lock0 + "lock 0 mutex 0x20 -\n"), HasSubstr(":5: lock 0 is declared twice"));
  EXPECT_THAT(error(lock0 + "thread 1 8\n"), HasSubstr(":5: thread 1 is declared twice"));
  EXPECT_THAT(error(Header() + "module 0 /a\nmodule 0 /b\n"),
              HasSubstr("module 0 is declared twice"));
  EXPECT_THAT(error(Header() + "site 4294967295\n"), HasSubstr("reserved"));
  EXPECT_THAT(error(lock0 + "edge 0 99999999999999999999 1 - - -\n"), HasSubstr("field 3"));
  EXPECT_THAT(error(Header() + std::string("\x01\xff\x02junk\n", 8)),
              HasSubstr("unexpected record '\\x01\\xff\\x02junk'"));
  // Bytes before a zero are a line a dying writer did not finish (see
  // CompleteRecordText): what follows the zero is read, and refused.
  EXPECT_THAT(error(Header() + std::string("\x01\xff\0junk\n", 8)),
              HasSubstr(":3: unexpected record 'junk'"));
  EXPECT_THAT(error("racelab-lockorder/4\n"), HasSubstr("f.lockorder:1: unsupported version 4"));
  EXPECT_THAT(error(lock0 + "held 0 - 0\nheld 0 - 0\n"),
              HasSubstr(":6: held set 0 is declared twice"));
  EXPECT_THAT(error(lock0 + "held 1 0 0\n"), HasSubstr(":5: held set 0 is not declared"));
  EXPECT_THAT(error(lock0 + "held 0 - 5\n"), HasSubstr(":5: lock 5 is not declared"));
  EXPECT_THAT(error(lock0 + "lock 1 mutex 0x20 -\nedge 0 1 1 - - @3\n"),
              HasSubstr(":6: held set '@3' is not declared"));
}

// Version 2 names an edge's held locks by a held set; version 1 listed them.
// A `retaken` line: the edge's acquisition holding fewer locks replaces its
// witness, and its guard (the locks held at every acquisition) narrows.
TEST(RecordFileTest, ARetakenLineGivesItsEdgeTheNewWitnessAndTheNarrowerGuard) {
  const std::string start = Header() +
                            "thread 1 7\nthread 2 8\nlock 0 mutex 0x10 -\nlock 1 mutex 0x20 -\n"
                            "lock 2 mutex 0x30 -\nheld 0 - 0\nheld 1 0 1\nheld 2 - 1\n"
                            "edge 1 2 1 - - @1\nedge 0 1 1 - - @0\n";
  absl::StatusOr<Recording> recording =
      ParseRecording(start + "retaken 1 2 2 - - @2 @2\n", "f.lockorder");
  ASSERT_TRUE(recording.ok()) << recording.status();
  ASSERT_EQ(recording->edges.size(), 2u);
  const Edge& retaken = recording->edges[0];
  EXPECT_EQ(retaken.witness.thread, 2u);
  EXPECT_THAT(recording->HeldLocks(retaken.witness), ::testing::ElementsAre(1));
  EXPECT_THAT(recording->GuardLocks(retaken), ::testing::ElementsAre(1));
  // An edge never retaken is guarded by what its witness held.
  EXPECT_THAT(recording->GuardLocks(recording->edges[1]), ::testing::ElementsAre(0));

  recording = ParseRecording(start + "retaken 1 2 2 - - @2 -\n", "f.lockorder");
  ASSERT_TRUE(recording.ok()) << recording.status();
  EXPECT_THAT(recording->GuardLocks(recording->edges[0]), ::testing::IsEmpty());

  auto error = [](const std::string& text) {
    return std::string(ParseRecording(text, "f.lockorder").status().message());
  };
  EXPECT_THAT(error(start + "retaken 0 2 1 - - @0 -\n"),
              HasSubstr("f.lockorder:13: edge 0 2 is retaken but was never recorded"));
  EXPECT_THAT(error(start + "retaken 1 2 2 - - @2 @9\n"),
              HasSubstr(":13: held set '@9' is not declared"));
  // Version 2 had no `retaken` lines and is read as before.
  recording = ParseRecording("racelab-lockorder/2" + start.substr(start.find('\n')), "f.lockorder");
  ASSERT_TRUE(recording.ok()) << recording.status();
  EXPECT_THAT(recording->GuardLocks(recording->edges[0]), ::testing::ElementsAre(0, 1));
}

// A static's initialisation guard is a lock, with where its variable lies.
TEST(RecordFileTest, ReadsStaticInitGuardsWithTheirVariable) {
  const std::string start = Header() + "module 0 /bin/prog\n";
  absl::StatusOr<Recording> recording = ParseRecording(
      start + "lock 0 static-init 0x5010 - 0+0x4010\nlock 1 mutex 0x20 -\n", "f.lockorder");
  ASSERT_TRUE(recording.ok()) << recording.status();
  EXPECT_EQ(recording->locks.at(0).kind, LockKind::kStaticInit);
  ASSERT_EQ(recording->lock_objects.count(0), 1u);
  EXPECT_EQ(recording->lock_objects.at(0).offset, 0x4010u);
  EXPECT_EQ(recording->lock_objects.count(1), 0u);
  EXPECT_THAT(
      std::string(
          ParseRecording(start + "lock 0 static-init 0x5010 - 7+0x10\n", "f").status().message()),
      HasSubstr(":4: module 7 is not declared"));
}

// Every misuse kind the writer names, the reader reads back, spin locks too.
TEST(RecordFileTest, ReadsEveryMisuseKindAndSpinLocks) {
  const std::string start = Header() + "thread 1 7\nlock 0 spin 0x10 -\n";
  for (MisuseKind kind :
       {MisuseKind::kUnlockNotOwner, MisuseKind::kUnlockUnlocked, MisuseKind::kWaitNotHeld,
        MisuseKind::kRelockFailed, MisuseKind::kDestroyLocked, MisuseKind::kUseDestroyed,
        MisuseKind::kExitHolding, MisuseKind::kWaitTwoMutexes, MisuseKind::kDestroyWaited,
        MisuseKind::kPostOverflow, MisuseKind::kReinitWaited, MisuseKind::kJoinedTwice,
        MisuseKind::kJoinDetached, MisuseKind::kDetachedTwice, MisuseKind::kDetachJoined}) {
    absl::StatusOr<Recording> recording = ParseRecording(
        absl::StrCat(start, "misuse 1 0 - ", MisuseKindName(kind), " 0\n"), "f.lockorder");
    ASSERT_TRUE(recording.ok()) << recording.status();
    EXPECT_EQ(recording->misuses.at(0).kind, kind) << MisuseKindName(kind);
    EXPECT_EQ(recording->locks.at(0).kind, LockKind::kSpin);
  }
}

// A condition variable is declared as a lock line of kind `condition`; a
// misuse may name a second lock (the mutex of the condition's other
// waiters), which must be declared.
TEST(RecordFileTest, ReadsAConditionVariableAndAMisusesOtherLock) {
  const std::string start = Header() + "thread 1 7\nlock 0 condition 0x10 -\nlock 1 mutex 0x20 -\n";
  absl::StatusOr<Recording> recording =
      ParseRecording(start + "misuse 1 0 - wait-two-mutexes 0 1\n", "f.lockorder");
  ASSERT_TRUE(recording.ok()) << recording.status();
  EXPECT_EQ(recording->locks.at(0).kind, LockKind::kCondition);
  EXPECT_EQ(ParseRecording(Header() + "lock 0 semaphore 0x10 -\n", "f")->locks.at(0).kind,
            LockKind::kSemaphore);
  EXPECT_EQ(ParseRecording(Header() + "lock 0 barrier 0x10 -\n", "f")->locks.at(0).kind,
            LockKind::kBarrier);
  EXPECT_EQ(ParseRecording(Header() + "lock 0 stream 0x10 -\n", "f")->locks.at(0).kind,
            LockKind::kStream);
  EXPECT_EQ(recording->misuses.at(0).kind, MisuseKind::kWaitTwoMutexes);
  EXPECT_EQ(recording->misuses.at(0).other, 1u);
  EXPECT_THAT(
      std::string(
          ParseRecording(start + "misuse 1 0 - wait-two-mutexes 0 9\n", "f").status().message()),
      HasSubstr("lock 9 is not declared"));
}

TEST(RecordFileTest, ReadsHeldSetsAndVersion1HeldLists) {
  const std::string locks =
      "thread 1 7\nlock 0 mutex 0x10 -\nlock 1 mutex 0x20 -\nlock 2 mutex 0x30 -\n";
  absl::StatusOr<Recording> recording = ParseRecording(
      Header() + locks + "held 0 - 0\nheld 1 0 1\nedge 1 2 1 - - @1\nedge 0 1 1 - - @0\n",
      "f.lockorder");
  ASSERT_TRUE(recording.ok()) << recording.status();
  ASSERT_EQ(recording->edges.size(), 2u);
  EXPECT_THAT(recording->HeldLocks(recording->edges[0].witness), ::testing::ElementsAre(0, 1));
  EXPECT_EQ(recording->edges[0].witness.held_set, 1u);
  EXPECT_THAT(recording->HeldLocks(recording->edges[1].witness), ::testing::ElementsAre(0));
  recording =
      ParseRecording("racelab-lockorder/1\nprocess 42 /bin/prog\n" + locks + "edge 1 2 1 - - 0,1\n",
                     "f.lockorder");
  ASSERT_TRUE(recording.ok()) << recording.status();
  EXPECT_THAT(recording->HeldLocks(recording->edges[0].witness), ::testing::ElementsAre(0, 1));
  recording = ParseRecording(
      "racelab-lockorder/1\nprocess 42 /bin/prog\n" + locks + "edge 1 2 1 - - -\n", "f.lockorder");
  ASSERT_TRUE(recording.ok()) << recording.status();
  EXPECT_THAT(recording->HeldLocks(recording->edges[0].witness), ::testing::IsEmpty());
}

// The wait dump, a signal handler, declares a lock no record named yet, and
// the thread it interrupted may be writing the same line.
TEST(RecordFileTest, AcceptsALockDeclaredTwiceAlike) {
  absl::StatusOr<Recording> recording = ParseRecording(
      Header() +
          "thread 1 7\nlock 0 mutex 0x10 -\nlock 0 mutex 0x10 -\nwait 1 0 mutex 0 - 0\n"
          "wait-end 1\n",
      "f.lockorder");
  ASSERT_TRUE(recording.ok()) << recording.status();
  EXPECT_EQ(recording->locks.size(), 1u);
  EXPECT_EQ(recording->waits.size(), 1u);
}

// The wait dump declares with no site a lock whose line the checker had
// kept back, and the kept line comes after it; a different site, kind or
// address is still refused.
TEST(RecordFileTest, ALockDeclaredFirstWithoutItsSiteTakesItFromTheSecondLine) {
  const std::string start = Header() + "module 0 /bin/x\nsite 3 0+0x10\nthread 1 7\n";
  absl::StatusOr<Recording> recording = ParseRecording(
      start + "lock 0 mutex 0x10 -\nwait 1 0 mutex 0 - 0\nwait-end 1\nlock 0 mutex 0x10 3\n",
      "f.lockorder");
  ASSERT_TRUE(recording.ok()) << recording.status();
  EXPECT_EQ(recording->locks.at(0).first_site, 3u);
  recording = ParseRecording(start + "lock 0 mutex 0x10 3\nlock 0 mutex 0x10 -\n", "f.lockorder");
  ASSERT_TRUE(recording.ok()) << recording.status();
  EXPECT_EQ(recording->locks.at(0).first_site, 3u);
  EXPECT_FALSE(ParseRecording(start + "site 4 0+0x20\nlock 0 mutex 0x10 3\nlock 0 mutex 0x10 4\n",
                              "f.lockorder")
                   .ok());
  EXPECT_FALSE(
      ParseRecording(start + "lock 0 mutex 0x10 -\nlock 0 rwlock 0x10 3\n", "f.lockorder").ok());
}

// A file whose size cannot be asked (a pipe) is read to its end all the same.
TEST(RecordFileTest, AFileOfUnknownSizeIsReadWhole) {
  char dir[] = "/tmp/racelab_record_fifo_XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = absl::StrCat(dir, "/lockorder.fifo");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  std::thread writer([&path] {
    std::ofstream out(path, std::ios::binary);
    out << kRecordFileHeader << "\nprocess 42 /bin/true\nthread 1 43\n";
  });
  absl::StatusOr<Recording> read = ReadRecording(path);
  writer.join();
  ::unlink(path.c_str());
  ::rmdir(dir);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->pid, 42);
  EXPECT_EQ(read->executable, "/bin/true");
  EXPECT_EQ(read->threads.at(1), 43);
}

TEST(RecordFileTest, AMissingFileIsNotFound) {
  EXPECT_EQ(ReadRecording("/nonexistent/x.lockorder").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace racelab::lockorder
