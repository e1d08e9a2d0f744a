// Reading files whole, and /proc: small files, a process's threads, its
// children and every process below it. Shared by the runner (scratch
// directories, stray cleanup) and the detectors (what a run left, the
// watchdog's thread sampling). Reads only; a process that is gone reads as
// empty.
#ifndef RACELAB_HARNESS_PROCESS_PROC_FILES_H_
#define RACELAB_HARNESS_PROCESS_PROC_FILES_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace racelab {

// The whole of a small file (at most 256 KiB), "" when it cannot be read.
std::string ReadProcFile(const std::string& path);

// The whole of a file, however long (a sanitizer log, a record file); ""
// when it cannot be read.
std::string ReadWholeFile(const std::string& path);

// The thread ids of process `pid` (/proc/<pid>/task), ascending.
std::vector<pid_t> ThreadsOf(pid_t pid);

// The children of process `pid`, whichever of its threads started them
// (/proc/<pid>/task/*/children).
std::vector<pid_t> ChildrenOf(pid_t pid);

// Every process below `root`: its children, theirs, and so on. `root`
// itself is not included.
std::vector<pid_t> ProcessesBelow(pid_t root);

}  // namespace racelab

#endif  // RACELAB_HARNESS_PROCESS_PROC_FILES_H_
