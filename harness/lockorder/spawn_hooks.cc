// posix_spawn and posix_spawnp, interposed only so that a perturbed thread
// kept on one CPU (schedule_hooks.cc) starts the new program with the CPUs
// the process had: glibc's spawn child is a clone of the calling thread and
// keeps its CPU set through exec. Each calls what comes next
// (ThreadSanitizer's interceptor, or libc's) unchanged; not perturbing, the
// CPU set is never touched.
#include <dlfcn.h>
#include <spawn.h>

#include <cerrno>

#include "harness/lockorder/schedule_hooks.h"

namespace {

using SpawnFn = int (*)(pid_t*, const char*, const posix_spawn_file_actions_t*,
                        const posix_spawnattr_t*, char* const[], char* const[]);

// Looked up when the object is loaded (see flush_points.cc: dlsym takes the
// loader's lock).
SpawnFn next_spawn = nullptr;
SpawnFn next_spawnp = nullptr;

__attribute__((constructor)) void FindNextSpawns() {
  next_spawn = reinterpret_cast<SpawnFn>(::dlsym(RTLD_NEXT, "posix_spawn"));
  next_spawnp = reinterpret_cast<SpawnFn>(::dlsym(RTLD_NEXT, "posix_spawnp"));
}

int SpawnThrough(SpawnFn next, pid_t* pid, const char* path,
                 const posix_spawn_file_actions_t* actions, const posix_spawnattr_t* attributes,
                 char* const argv[], char* const envp[]) {
  if (next == nullptr) return ENOSYS;
  if (!racelab::lockorder::perturbing) return next(pid, path, actions, attributes, argv, envp);
  const racelab::lockorder::CpusGivenBack cpus_back;
  return next(pid, path, actions, attributes, argv, envp);
}

}  // namespace

extern "C" {

int posix_spawn(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions,
                const posix_spawnattr_t* attributes, char* const argv[], char* const envp[]) {
  return SpawnThrough(next_spawn, pid, path, actions, attributes, argv, envp);
}

int posix_spawnp(pid_t* pid, const char* file, const posix_spawn_file_actions_t* actions,
                 const posix_spawnattr_t* attributes, char* const argv[], char* const envp[]) {
  return SpawnThrough(next_spawnp, pid, file, actions, attributes, argv, envp);
}

}  // extern "C"
