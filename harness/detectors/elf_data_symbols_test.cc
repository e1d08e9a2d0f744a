// Tests naming variables from an ELF object's symbol tables: this test's
// own globals and a static's guard, found by offset and demangled; foreign
// and cut-off images give no symbols, and are read without going outside
// them.
#include "harness/detectors/elf_data_symbols.h"

#include <algorithm>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racelab::elf_data_symbols_test {

// Globals with names to look for (external linkage: in .symtab for sure).
long racelab_test_table[4] = {1, 2, 3, 4};

int& CountedOnce() {
  static int count = racelab_test_table[0] + 1;  // dynamic: a guard variable
  return count;
}

namespace {

std::string OwnPath() { return "/proc/self/exe"; }

const DataSymbol* Named(const std::vector<DataSymbol>& symbols, const std::string& part) {
  auto found = std::find_if(symbols.begin(), symbols.end(), [&](const DataSymbol& symbol) {
    return symbol.name.find(part) != std::string::npos;
  });
  return found == symbols.end() ? nullptr : &*found;
}

TEST(ElfDataSymbolsTest, NamesAVariableByAnyOffsetInsideIt) {
  CountedOnce();
  const std::vector<DataSymbol> symbols = ReadDataSymbolsOfFile(OwnPath());
  const DataSymbol* table = Named(symbols, "racelab_test_table");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->size, sizeof(racelab_test_table));
  ElfDataSymbols names;
  EXPECT_EQ(names.NameAt(OwnPath(), table->start),
            "racelab::elf_data_symbols_test::racelab_test_table");
  EXPECT_EQ(names.NameAt(OwnPath(), table->start + sizeof(long) * 3),
            "racelab::elf_data_symbols_test::racelab_test_table");
  EXPECT_NE(names.NameAt(OwnPath(), table->start + sizeof(racelab_test_table)),
            "racelab::elf_data_symbols_test::racelab_test_table");
}

TEST(ElfDataSymbolsTest, AStaticsGuardIsAGuardVariable) {
  const std::vector<DataSymbol> symbols = ReadDataSymbolsOfFile(OwnPath());
  const DataSymbol* guard = Named(symbols, "_ZGVZN7racelab21elf_data_symbols_test11CountedOnce");
  ASSERT_NE(guard, nullptr);
  ElfDataSymbols names;
  EXPECT_EQ(names.NameAt(OwnPath(), guard->start),
            "guard variable for racelab::elf_data_symbols_test::CountedOnce()::count");
}

TEST(ElfDataSymbolsTest, ForeignAndCutOffImagesGiveNoSymbols) {
  EXPECT_TRUE(ReadDataSymbols("").empty());
  EXPECT_TRUE(ReadDataSymbols("not an ELF object at all").empty());
  EXPECT_TRUE(ReadDataSymbolsOfFile("/nonexistent/object").empty());
  EXPECT_TRUE(ReadDataSymbolsOfFile("/proc/self").empty());  // a directory
  ElfDataSymbols names;
  EXPECT_EQ(names.NameAt("/nonexistent/object", 0x10), std::nullopt);
  // Cuts of a real image: its section headers (at the end) go first.
  std::ifstream in(OwnPath(), std::ios::binary | std::ios::ate);
  std::string image(static_cast<size_t>(in.tellg()), '\0');
  in.seekg(0);
  in.read(image.data(), static_cast<std::streamsize>(image.size()));
  ASSERT_GT(image.size(), 4096u);
  for (size_t cut : {size_t{16}, size_t{64}, image.size() / 2, image.size() - 1}) {
    EXPECT_TRUE(ReadDataSymbols(absl::string_view(image).substr(0, cut)).empty()) << cut;
  }
  EXPECT_FALSE(ReadDataSymbols(image).empty());
}

}  // namespace
}  // namespace racelab::elf_data_symbols_test
