// The checker's arena: aligned blocks of the size asked for, a freed block
// handed out again for the same size, large blocks mapped whole, and
// containers that live in it.
#include "harness/lockorder/arena.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace racelab::lockorder {
namespace {

std::uintptr_t At(const void* block) { return reinterpret_cast<std::uintptr_t>(block); }

TEST(ArenaTest, BlocksAreAlignedToTheirSizeUpTo64Bytes) {
  for (std::size_t bytes : {1u, 16u, 17u, 32u, 48u, 64u, 100u, 4096u, 5000u}) {
    void* block = ArenaAllocate(bytes);
    ASSERT_NE(block, nullptr) << bytes;
    const std::size_t align = bytes <= 16 ? 16 : bytes <= 32 ? 32 : 64;
    EXPECT_EQ(At(block) % align, 0u) << bytes << " bytes at " << block;
    std::memset(block, 0xab, bytes);  // all of it is writable
    ArenaFree(block, bytes);
  }
}

TEST(ArenaTest, AFreedBlockIsHandedOutAgainForTheSameSizeClass) {
  void* first = ArenaAllocate(40);
  ArenaFree(first, 40);
  void* again = ArenaAllocate(64);  // 40 and 64 bytes share the 64-byte class
  EXPECT_EQ(again, first);
  ArenaFree(again, 64);
}

TEST(ArenaTest, LiveBlocksNeverOverlap) {
  std::vector<std::pair<void*, std::size_t>> blocks;
  for (std::size_t i = 0; i < 2000; ++i) {
    const std::size_t bytes = 8 + (i * 37) % 3000;
    void* block = ArenaAllocate(bytes);
    ASSERT_NE(block, nullptr);
    blocks.emplace_back(block, bytes);
  }
  std::sort(blocks.begin(), blocks.end());
  for (std::size_t i = 1; i < blocks.size(); ++i) {
    EXPECT_LE(At(blocks[i - 1].first) + blocks[i - 1].second, At(blocks[i].first));
  }
  for (const auto& [block, bytes] : blocks) ArenaFree(block, bytes);
}

TEST(ArenaTest, LargeBlocksAreMappedWhole) {
  const std::size_t bytes = std::size_t{3} << 20;
  auto* block = static_cast<unsigned char*>(ArenaAllocate(bytes));
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(At(block) % 4096, 0u);
  block[0] = 1;
  block[bytes - 1] = 2;
  ArenaFree(block, bytes);
}

TEST(ArenaTest, ContainersAndObjectsLiveInIt) {
  ArenaVector<int> numbers;
  for (int i = 0; i < 100000; ++i) numbers.push_back(i);
  ArenaHashMap<std::uint64_t, int> squares;
  for (int i = 0; i < 1000; ++i) squares[static_cast<std::uint64_t>(i)] = i * i;
  EXPECT_EQ(numbers[99999], 99999);
  EXPECT_EQ(squares[31], 961);
  struct alignas(64) Wide {
    int value = 7;
  };
  Wide* wide = ArenaNew<Wide>();
  EXPECT_EQ(At(wide) % 64, 0u);
  EXPECT_EQ(wide->value, 7);
  ArenaDelete(wide);
}

}  // namespace
}  // namespace racelab::lockorder
