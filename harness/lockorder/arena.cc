// The checker's own memory (see arena.h).
#include "harness/lockorder/arena.h"

#include <sys/mman.h>

#include <bit>
#include <cstdint>

#include "harness/lockorder/spinlock.h"

extern "C" void __asan_unpoison_memory_region(void const volatile* address, std::size_t size)
    __attribute__((weak));

namespace racelab::lockorder {
namespace {

constexpr std::size_t kSmallest = 16;
constexpr int kClasses = 15;  // 16 B .. 256 KiB
constexpr std::size_t kLargest = kSmallest << (kClasses - 1);
constexpr std::size_t kChunk = std::size_t{1} << 20;

// Anonymous memory, through a sanitizer's mmap interceptor where there is
// one (ThreadSanitizer resets the range's shadow). AddressSanitizer's (gcc
// 12) does not: a range its allocator once mapped and poisoned may come
// back with that shadow, and its memcpy then reported the checker's own
// copies as wild accesses.
void* MapMemory(std::size_t bytes) {
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return nullptr;
  if (&__asan_unpoison_memory_region != nullptr) __asan_unpoison_memory_region(memory, bytes);
  return memory;
}

void UnmapMemory(void* memory, std::size_t bytes) { ::munmap(memory, bytes); }

std::size_t PageRounded(std::size_t bytes) {
  const std::size_t page = 4096;
  return (bytes + page - 1) & ~(page - 1);
}

int ClassOf(std::size_t bytes) {  // bytes <= kLargest
  return bytes <= kSmallest ? 0 : static_cast<int>(std::bit_width(bytes - 1)) - 4;
}

struct FreeBlock {
  FreeBlock* next;
};

class Arena {
 public:
  void* Allocate(std::size_t bytes) {
    if (bytes == 0) bytes = 1;
    if (bytes > kLargest) return MapMemory(PageRounded(bytes));
    const int size_class = ClassOf(bytes);
    const std::size_t size = kSmallest << size_class;
    {
      FreeList& list = free_[size_class];
      SpinlockHolder hold(list.mu);
      if (FreeBlock* block = list.first) {
        list.first = block->next;
        return block;
      }
    }
    SpinlockHolder hold(mu_);
    const std::size_t align = size < 64 ? size : 64;
    std::uintptr_t at = (next_ + align - 1) & ~(align - 1);
    if (next_ == 0 || at + size > end_) {
      void* chunk = MapMemory(kChunk);
      if (chunk == nullptr) return nullptr;
      next_ = reinterpret_cast<std::uintptr_t>(chunk);
      end_ = next_ + kChunk;
      at = next_;
    }
    next_ = at + size;
    return reinterpret_cast<void*>(at);
  }

  void Free(void* block, std::size_t bytes) {
    if (block == nullptr) return;
    if (bytes == 0) bytes = 1;
    if (bytes > kLargest) {
      UnmapMemory(block, PageRounded(bytes));
      return;
    }
    FreeList& list = free_[ClassOf(bytes)];
    SpinlockHolder hold(list.mu);
    auto* freed = static_cast<FreeBlock*>(block);
    freed->next = list.first;
    list.first = freed;
  }

  // Every lock of the arena, for fork.
  void LockAll() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    for (FreeList& list : free_) list.mu.Lock();
    mu_.Lock();
  }
  void UnlockAll() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    mu_.Unlock();
    for (FreeList& list : free_) list.mu.Unlock();
  }

 private:
  // A lock per size: threads that allocate blocks of different sizes do not
  // meet (the lock-churn stress program spent 4% of its time here with one).
  struct alignas(64) FreeList {
    Spinlock mu;
    FreeBlock* first ABSL_GUARDED_BY(mu) = nullptr;
  };
  Spinlock mu_;                                   // the chunk being carved
  std::uintptr_t next_ ABSL_GUARDED_BY(mu_) = 0;  // the current chunk's unused part
  std::uintptr_t end_ ABSL_GUARDED_BY(mu_) = 0;
  FreeList free_[kClasses];
};

constinit Arena arena;

}  // namespace

// Under AddressSanitizer a block is handed out unpoisoned: its last user
// may have left parts of it poisoned (Abseil's hash tables poison their
// empty slots), which no free of the sanitizer's own would clear here.
void* ArenaAllocate(std::size_t bytes) {
  void* block = arena.Allocate(bytes);
  if (block != nullptr && &__asan_unpoison_memory_region != nullptr) {
    __asan_unpoison_memory_region(block, bytes);
  }
  return block;
}
void ArenaFree(void* block, std::size_t bytes) { arena.Free(block, bytes); }

void LockArenaForFork() { arena.LockAll(); }
void UnlockArenaAfterFork() { arena.UnlockAll(); }

}  // namespace racelab::lockorder
