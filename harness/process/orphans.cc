// racelab's children on purpose, and the sweep of the rest (see orphans.h).
#include "harness/process/orphans.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "harness/process/proc_files.h"

namespace racelab {
namespace {

constexpr int kSlots = 64;
std::atomic<pid_t> guards[kSlots];
std::atomic<pid_t> kept_helpers[16];

int Claim(std::atomic<pid_t>* slots, int count, pid_t pid) {
  for (int slot = 0; slot < count; ++slot) {
    pid_t empty = 0;
    if (slots[slot].compare_exchange_strong(empty, pid)) return slot;
  }
  return -1;  // more than slots: such a process may be swept, and its owner does without it
}

bool IsOneOf(const std::atomic<pid_t>* slots, int count, pid_t pid) {
  for (int slot = 0; slot < count; ++slot) {
    if (slots[slot].load() == pid) return true;
  }
  return false;
}

// Whether /proc says `pid` has exited already (a zombie, or gone), and its
// process group.
bool Exited(pid_t pid, pid_t& group) {
  const std::string stat = ReadProcFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t end_of_name = stat.rfind(')');
  if (end_of_name == std::string::npos || end_of_name + 2 >= stat.size()) return true;
  const std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(stat).substr(end_of_name + 2), ' ');
  if (fields.size() < 3 || !absl::SimpleAtoi(fields[2], &group)) group = 0;
  return fields[0] == "Z" || fields[0] == "X";
}

std::string CommandLine(pid_t pid) {
  std::string command = ReadProcFile(absl::StrCat("/proc/", pid, "/cmdline"));
  while (!command.empty() && command.back() == '\0') command.pop_back();
  std::replace(command.begin(), command.end(), '\0', ' ');
  if (command.size() > 200) command = absl::StrCat(command.substr(0, 200), "...");
  return command.empty() ? "?" : command;
}

}  // namespace

std::unique_lock<std::mutex> LockChildren() {
  static std::mutex* const mutex = new std::mutex;
  return std::unique_lock<std::mutex>(*mutex);
}

int RegisterGuard(pid_t guard) { return Claim(guards, kSlots, guard); }

void UnregisterGuard(int slot) {
  if (slot >= 0) guards[slot].store(0);
}

void KeepAcrossRuns(pid_t helper) { (void)Claim(kept_helpers, 16, helper); }

void ForgetKept(pid_t helper) {
  for (std::atomic<pid_t>& slot : kept_helpers) {
    pid_t kept = helper;
    if (slot.compare_exchange_strong(kept, 0)) return;
  }
}

std::vector<std::string> SweepOrphans(pid_t group) {
  std::vector<std::string> named;
  std::set<pid_t> seen, ours;
  for (int round = 0; round < 100; ++round) {
    std::vector<pid_t> tree;
    for (pid_t child : ChildrenOf(::getpid())) {
      if (!IsOneOf(guards, kSlots, child) && !IsOneOf(kept_helpers, 16, child)) {
        tree.push_back(child);
        ours.insert(child);
      }
    }
    if (tree.empty()) break;
    // Stopped first, the whole tree, so that nothing forks past the kill.
    for (size_t i = 0; i < tree.size(); ++i) {
      pid_t process_group = 0;
      if (!Exited(tree[i], process_group)) {
        ::kill(tree[i], SIGSTOP);
        if (process_group != group && seen.insert(tree[i]).second) {
          named.push_back(absl::StrCat("pid ", tree[i], ": ", CommandLine(tree[i])));
        }
      }
      for (pid_t below : ChildrenOf(tree[i])) tree.push_back(below);
    }
    for (pid_t pid : tree) ::kill(pid, SIGKILL);
    for (pid_t pid : ours) ::waitpid(pid, nullptr, WNOHANG);  // the rest come to us as they die
    ::usleep(1000);
  }
  for (pid_t pid : ours) ::waitpid(pid, nullptr, WNOHANG);
  return named;
}

}  // namespace racelab
