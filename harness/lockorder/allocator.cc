// The program's allocator, as the lock hooks see it (see allocator.h).
#include "harness/lockorder/allocator.h"

#include <dlfcn.h>
#include <link.h>

#include <algorithm>
#include <atomic>
#include <string>

extern "C" {
// glibc's free, under the name that interposing `free` does not hide.
void __libc_free(void* block);
// A sanitizer runtime's free (gcc's libtsan and libasan export it), when the
// program that loaded the preload library has one.
void __interceptor_free(void* block) __attribute__((weak));
}

namespace racelab::lockorder {

std::uintptr_t allocator_code_begin = 0;
std::uintptr_t allocator_code_end = 0;
std::atomic<FreeFunction> next_free{nullptr};

namespace {

// One loaded object's executable segments, looked up by the object's base.
struct CodeSearch {
  std::uintptr_t base;
  std::uintptr_t begin = 0, end = 0;
  bool is_main_program = false;
};

int FindCodeOf(dl_phdr_info* object, size_t, void* data) {
  auto* found = static_cast<CodeSearch*>(data);
  std::uintptr_t begin = ~std::uintptr_t{0}, end = 0;
  bool ours = false;
  for (int i = 0; i < object->dlpi_phnum; ++i) {
    const ElfW(Phdr)& header = object->dlpi_phdr[i];
    if (header.p_type != PT_LOAD) continue;
    const std::uintptr_t start = object->dlpi_addr + header.p_vaddr;
    if (start - header.p_offset == found->base) ours = true;
    if ((header.p_flags & PF_X) != 0) {
      begin = std::min(begin, start);
      end = std::max(end, start + header.p_memsz);
    }
  }
  if (!ours || end == 0) return 0;
  found->begin = begin;
  found->end = end;
  found->is_main_program = object->dlpi_name == nullptr || object->dlpi_name[0] == '\0';
  return 1;
}

__attribute__((tls_model("initial-exec"))) thread_local bool resolving_free = false;

}  // namespace

void FindAllocatorCode() {
  Dl_info info{};
  void* const malloc_address = ::dlsym(RTLD_DEFAULT, "malloc");
  if (malloc_address == nullptr || ::dladdr(malloc_address, &info) == 0 ||
      info.dli_fname == nullptr || info.dli_fbase == nullptr) {
    return;
  }
  const std::string name = info.dli_fname;
  if (name.empty() || name.find("/libc.so") != std::string::npos || name.find("libc.so") == 0) {
    return;
  }
  CodeSearch search{reinterpret_cast<std::uintptr_t>(info.dli_fbase)};
  ::dl_iterate_phdr(FindCodeOf, &search);
  if (search.is_main_program) return;
  allocator_code_begin = search.begin;
  allocator_code_end = search.end;
}

void ResolveNextFreeAndCall(void* block) {
  FreeFunction next = __interceptor_free;
  if (next == nullptr) {
    if (resolving_free) {
      __libc_free(block);
      return;
    }
    resolving_free = true;
    next = reinterpret_cast<FreeFunction>(::dlsym(RTLD_NEXT, "free"));
    resolving_free = false;
    if (next == nullptr) next = __libc_free;
  }
  next_free.store(next, std::memory_order_relaxed);
  next(block);
}

}  // namespace racelab::lockorder
