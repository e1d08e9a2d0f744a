// ReadDataSymbols and ElfDataSymbols: see elf_data_symbols.h.
#include "harness/detectors/elf_data_symbols.h"

#include <cxxabi.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "harness/process/scoped_fd.h"

namespace racelab {
namespace {

// A T read at `offset` of `image`, if it lies wholly inside.
template <typename T>
std::optional<T> ReadAt(absl::string_view image, std::uint64_t offset) {
  if (offset > image.size() || image.size() - offset < sizeof(T)) return std::nullopt;
  T value;
  std::memcpy(&value, image.data() + offset, sizeof(T));
  return value;
}

// The NUL-terminated string at `offset` of the string table `strings`.
std::optional<std::string> NameIn(absl::string_view strings, std::uint64_t offset) {
  if (offset >= strings.size()) return std::nullopt;
  const absl::string_view rest = strings.substr(offset);
  const size_t end = rest.find('\0');
  if (end == absl::string_view::npos || end == 0) return std::nullopt;
  return std::string(rest.substr(0, end));
}

// The bytes of section `header`, if they lie inside the image.
std::optional<absl::string_view> SectionBytes(absl::string_view image, const Elf64_Shdr& header) {
  if (header.sh_type == SHT_NOBITS || header.sh_offset > image.size() ||
      image.size() - header.sh_offset < header.sh_size) {
    return std::nullopt;
  }
  return image.substr(header.sh_offset, header.sh_size);
}

void AddSymbolsOf(absl::string_view image, const std::vector<Elf64_Shdr>& sections,
                  const Elf64_Shdr& table, std::vector<DataSymbol>& out) {
  if (table.sh_entsize != sizeof(Elf64_Sym) || table.sh_link >= sections.size()) return;
  const std::optional<absl::string_view> symbols = SectionBytes(image, table);
  const std::optional<absl::string_view> strings = SectionBytes(image, sections[table.sh_link]);
  if (!symbols || !strings) return;
  for (size_t at = 0; at + sizeof(Elf64_Sym) <= symbols->size(); at += sizeof(Elf64_Sym)) {
    const std::optional<Elf64_Sym> symbol = ReadAt<Elf64_Sym>(*symbols, at);
    if (!symbol || ELF64_ST_TYPE(symbol->st_info) != STT_OBJECT || symbol->st_size == 0 ||
        symbol->st_shndx == SHN_UNDEF) {
      continue;
    }
    if (std::optional<std::string> name = NameIn(*strings, symbol->st_name)) {
      out.push_back({symbol->st_value, symbol->st_size, *std::move(name)});
    }
  }
}

std::string Demangled(const std::string& name) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), &std::free);
  return status == 0 && demangled != nullptr ? std::string(demangled.get()) : name;
}

}  // namespace

std::vector<DataSymbol> ReadDataSymbolsOfFile(const std::string& path) {
  // Mapped, not read: only the headers and the symbol tables are touched.
  const ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat info {};
  if (fd.get() < 0 || ::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode) ||
      info.st_size <= 0) {
    return {};
  }
  const auto size = static_cast<size_t>(info.st_size);
  void* image = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (image == MAP_FAILED) return {};
  std::vector<DataSymbol> symbols =
      ReadDataSymbols(absl::string_view(static_cast<const char*>(image), size));
  ::munmap(image, size);
  return symbols;
}

std::vector<DataSymbol> ReadDataSymbols(absl::string_view image) {
  std::vector<DataSymbol> out;
  const std::optional<Elf64_Ehdr> header = ReadAt<Elf64_Ehdr>(image, 0);
  if (!header || std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 ||
      header->e_ident[EI_CLASS] != ELFCLASS64 || header->e_shentsize != sizeof(Elf64_Shdr)) {
    return out;
  }
  std::vector<Elf64_Shdr> sections;
  for (unsigned i = 0; i < header->e_shnum; ++i) {
    const std::optional<Elf64_Shdr> section =
        ReadAt<Elf64_Shdr>(image, header->e_shoff + std::uint64_t{i} * sizeof(Elf64_Shdr));
    if (!section) return out;
    sections.push_back(*section);
  }
  for (const Elf64_Shdr& section : sections) {
    if (section.sh_type == SHT_SYMTAB || section.sh_type == SHT_DYNSYM) {
      AddSymbolsOf(image, sections, section, out);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const DataSymbol& a, const DataSymbol& b) { return a.start < b.start; });
  return out;
}

std::optional<std::string> ElfDataSymbols::NameAt(const std::string& path, std::uintptr_t offset) {
  auto [object, inserted] = objects_.try_emplace(path);
  if (inserted) object->second = ReadDataSymbolsOfFile(path);
  const std::vector<DataSymbol>& symbols = object->second;
  // The last symbol starting at or before `offset`, walking back over
  // aliases that start there too but end before it.
  auto after =
      std::upper_bound(symbols.begin(), symbols.end(), offset,
                       [](std::uintptr_t at, const DataSymbol& s) { return at < s.start; });
  while (after != symbols.begin()) {
    --after;
    if (offset - after->start < after->size) return Demangled(after->name);
    if (offset - after->start > (std::uintptr_t{1} << 20)) break;  // nothing this large covers it
  }
  return std::nullopt;
}

}  // namespace racelab
