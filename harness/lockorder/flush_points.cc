// The calls after which a process keeps nothing of its memory, interposed
// so that the lock-order record file is left tidy first (its records are in
// it already: the zero bytes it was grown ahead by are cut, see
// mapped_record_file.h): the exec family (the image is replaced), _exit,
// _Exit and quick_exit (no exit handlers or destructors run), and abort.
// exit() is the destructor in interpose.cc, fork its prepare handler, the
// wait dump its signal handler. Each calls what comes next
// (ThreadSanitizer's interceptor, or libc's) unchanged.
#include <dlfcn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstdlib>

#include "harness/lockorder/hooks.h"
#include "harness/lockorder/schedule_hooks.h"

namespace {

using ExecveFn = int (*)(const char*, char* const[], char* const[]);
using ExecvFn = int (*)(const char*, char* const[]);
using FexecveFn = int (*)(int, char* const[], char* const[]);
using ExitFn = void (*)(int);
using AbortFn = void (*)();

// The next definitions, looked up when the object is loaded: dlsym takes
// the loader's lock, which a child forked while another thread held it
// would wait for for ever at its _exit.
struct Next {
  ExecveFn execve, execvpe;
  ExecvFn execv, execvp;
  FexecveFn fexecve;
  ExitFn exit_now, exit_now_upper, quick_exit;  // _exit, _Exit, quick_exit
  AbortFn abort;
} next;

template <typename Fn>
Fn Lookup(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

__attribute__((constructor)) void FindNextDefinitions() {
  next = Next{Lookup<ExecveFn>("execve"), Lookup<ExecveFn>("execvpe"),  Lookup<ExecvFn>("execv"),
              Lookup<ExecvFn>("execvp"),  Lookup<FexecveFn>("fexecve"), Lookup<ExitFn>("_exit"),
              Lookup<ExitFn>("_Exit"),    Lookup<ExitFn>("quick_exit"), Lookup<AbortFn>("abort")};
}

// A definition the loader could not find (never seen): the call fails
// as exec does, or ends the process as _exit and abort do.
[[noreturn]] void ExitGroup(int status) {
  for (;;) ::syscall(SYS_exit_group, status);
}

// execl, execlp and execle: the variadic arguments as the argv array the
// vector forms take, on the stack (exec allocates nothing either).
#define RACELAB_COLLECT_ARGS(first, argv, envp_out)                                 \
  std::size_t count = 1;                                                            \
  {                                                                                 \
    va_list counting;                                                               \
    va_start(counting, first);                                                      \
    while (va_arg(counting, char*) != nullptr) ++count;                             \
    va_end(counting);                                                               \
  }                                                                                 \
  char** argv = static_cast<char**>(__builtin_alloca((count + 1) * sizeof(char*))); \
  {                                                                                 \
    va_list arguments;                                                              \
    va_start(arguments, first);                                                     \
    argv[0] = const_cast<char*>(first);                                             \
    for (std::size_t i = 1; i <= count; ++i) argv[i] = va_arg(arguments, char*);    \
    envp_out;                                                                       \
    va_end(arguments);                                                              \
  }

}  // namespace

extern "C" {

#define RACELAB_EXEC_THROUGH(fn, ...)                            \
  racelab::lockorder::FlushKeptRecords(/*write_through=*/false); \
  racelab::lockorder::GiveBackCpus();                            \
  if (next.fn == nullptr) {                                      \
    errno = ENOSYS;                                              \
    return -1;                                                   \
  }                                                              \
  return next.fn(__VA_ARGS__);

int execve(const char* path, char* const argv[], char* const envp[]) noexcept {
  RACELAB_EXEC_THROUGH(execve, path, argv, envp)
}

int execv(const char* path, char* const argv[]) noexcept { RACELAB_EXEC_THROUGH(execv, path, argv) }

int execvp(const char* file, char* const argv[]) noexcept {
  RACELAB_EXEC_THROUGH(execvp, file, argv)
}

int execvpe(const char* file, char* const argv[], char* const envp[]) noexcept {
  RACELAB_EXEC_THROUGH(execvpe, file, argv, envp)
}

int fexecve(int fd, char* const argv[], char* const envp[]) noexcept {
  RACELAB_EXEC_THROUGH(fexecve, fd, argv, envp)
}

int execl(const char* path, const char* arg, ...) noexcept {
  RACELAB_COLLECT_ARGS(arg, argv, (void)0)
  return execv(path, argv);
}

int execlp(const char* file, const char* arg, ...) noexcept {
  RACELAB_COLLECT_ARGS(arg, argv, (void)0)
  return execvp(file, argv);
}

int execle(const char* path, const char* arg, ...) noexcept {
  char* const* envp = nullptr;
  RACELAB_COLLECT_ARGS(arg, argv, envp = va_arg(arguments, char* const*))
  return execve(path, argv, envp);
}

void _exit(int status) {
  racelab::lockorder::FlushKeptRecords(/*write_through=*/false);
  if (next.exit_now != nullptr) next.exit_now(status);
  ExitGroup(status);
}

void _Exit(int status) noexcept {
  racelab::lockorder::FlushKeptRecords(/*write_through=*/false);
  if (next.exit_now_upper != nullptr) next.exit_now_upper(status);
  ExitGroup(status);
}

// glibc's quick_exit runs the at_quick_exit handlers, then its own _exit
// (not this one): the records go first, as the handlers may end the
// process themselves.
void quick_exit(int status) noexcept {
  racelab::lockorder::FlushKeptRecords(/*write_through=*/false);
  if (next.quick_exit != nullptr) next.quick_exit(status);
  ExitGroup(status);
}

void abort() noexcept {
  racelab::lockorder::FlushKeptRecords(/*write_through=*/false);
  if (next.abort != nullptr) next.abort();
  std::signal(SIGABRT, SIG_DFL);
  ::raise(SIGABRT);
  ExitGroup(127);
}

}  // extern "C"
