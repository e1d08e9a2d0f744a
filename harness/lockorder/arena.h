// The lock-order checker's own memory: every structure it keeps (locks,
// the graph, sites, held lists, thread states) comes from here, never from
// the program's allocator, so that no memory error of the program can
// reach it. A program that locked a freed mutex once had the checker's next
// allocation land in that block: its lock call wrote into the checker, and a
// clear misuse became a hang. Here the memory is mapped by the checker
// itself and never given to anyone else.
//
// Blocks of power-of-two sizes from 16 bytes to 256 KiB, carved from 1 MiB
// mappings and kept on a free list per size when freed; larger ones are
// mapped and unmapped whole. Sized frees (what an STL allocator knows), so
// a block carries no header. Spin locks (one per size, one for carving):
// the checker allocates on its slow paths only. All held across fork
// (LockArenaForFork), so that a child's checker never finds one taken by a
// thread that does not exist there.
//
// Nothing kept here may point into the program's heap: leak checkers (LSan)
// do not look inside these mappings for the pointers that keep a block
// alive. Any thread.
#ifndef RACELAB_HARNESS_LOCKORDER_ARENA_H_
#define RACELAB_HARNESS_LOCKORDER_ARENA_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <new>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

namespace racelab::lockorder {

// `bytes` of memory aligned to min(its size class, 64), or nullptr when the
// system has no more.
void* ArenaAllocate(std::size_t bytes);
// Gives back a block ArenaAllocate returned for the same `bytes`.
void ArenaFree(void* block, std::size_t bytes);

// Around fork: taken by the forking thread before, released in both
// processes after.
void LockArenaForFork();
void UnlockArenaAfterFork();

template <typename T>
struct ArenaAllocator {
  using value_type = T;
  ArenaAllocator() = default;
  template <typename U>
  ArenaAllocator(const ArenaAllocator<U>&) {}  // NOLINT: rebinding, as the standard wants
  T* allocate(std::size_t n) {
    void* block = ArenaAllocate(n * sizeof(T));
    if (block == nullptr) throw std::bad_alloc();
    return static_cast<T*>(block);
  }
  void deallocate(T* block, std::size_t n) { ArenaFree(block, n * sizeof(T)); }
  template <typename U>
  bool operator==(const ArenaAllocator<U>&) const {
    return true;
  }
};

template <typename T>
using ArenaVector = std::vector<T, ArenaAllocator<T>>;
template <typename T>
using ArenaDeque = std::deque<T, ArenaAllocator<T>>;
template <typename T>
using ArenaHashSet =
    absl::flat_hash_set<T, typename absl::flat_hash_set<T>::hasher,
                        typename absl::flat_hash_set<T>::key_equal, ArenaAllocator<T>>;
template <typename K, typename V>
using ArenaHashMap = absl::flat_hash_map<K, V, typename absl::flat_hash_map<K, V>::hasher,
                                         typename absl::flat_hash_map<K, V>::key_equal,
                                         ArenaAllocator<std::pair<const K, V>>>;
template <typename K, typename V>
using ArenaBtreeMap = absl::btree_map<K, V, std::less<K>, ArenaAllocator<std::pair<const K, V>>>;
template <typename K, typename V>
using ArenaUnorderedMap =
    std::unordered_map<K, V, std::hash<K>, std::equal_to<K>, ArenaAllocator<std::pair<const K, V>>>;

// A `T` built in the arena, and its end.
template <typename T, typename... Args>
T* ArenaNew(Args&&... args) {
  void* block = ArenaAllocate(sizeof(T));
  if (block == nullptr) throw std::bad_alloc();
  return new (block) T(std::forward<Args>(args)...);
}
template <typename T>
void ArenaDelete(T* object) {
  if (object == nullptr) return;
  object->~T();
  ArenaFree(object, sizeof(T));
}

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_ARENA_H_
