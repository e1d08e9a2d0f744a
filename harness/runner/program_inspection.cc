// Black-box program inspection (see program_inspection.h): a bounds-checked
// reading of the ELF header, program headers and symbol tables.
#include "harness/runner/program_inspection.h"

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace racelab {
namespace {

#if defined(__x86_64__)
constexpr int kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr int kHostMachine = EM_AARCH64;
#else
constexpr int kHostMachine = -1;  // unknown host: architecture not checked
#endif

std::string MachineName(int machine) {
  switch (machine) {
    case EM_386: return "x86 (32-bit)";
    case EM_X86_64: return "x86-64";
    case EM_ARM: return "ARM (32-bit)";
    case EM_AARCH64: return "AArch64";
    case EM_RISCV: return "RISC-V";
    case EM_PPC64: return "PowerPC 64";
    case EM_S390: return "s390";
    default: return absl::StrCat("machine type ", machine);
  }
}

// `program` as the kernel would find it: itself when it names a path, else
// the first PATH entry that holds such a file.
std::string Resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path != nullptr ? path : "/usr/bin:/bin", ':')) {
    const std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", program);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// A view of the file that refuses reads past its end.
class Bytes {
 public:
  explicit Bytes(std::string data) : data_(std::move(data)) {}
  template <typename T>
  bool Read(uint64_t offset, T& out) const {
    if (offset > data_.size() || data_.size() - offset < sizeof(T)) return false;
    std::memcpy(&out, data_.data() + offset, sizeof(T));
    return true;
  }
  // The NUL-terminated string at `offset` inside [begin, begin + size).
  absl::string_view StringAt(uint64_t begin, uint64_t size, uint64_t offset) const {
    if (begin > data_.size() || size > data_.size() - begin || offset >= size) return {};
    const absl::string_view table(data_.data() + begin, size);
    const size_t end = table.find('\0', offset);
    return end == absl::string_view::npos ? absl::string_view() : table.substr(offset, end - offset);
  }
  size_t size() const { return data_.size(); }
  bool StartsWith(absl::string_view prefix) const {
    return absl::string_view(data_).substr(0, prefix.size()) == prefix;
  }

 private:
  std::string data_;
};

struct SymbolFacts {
  bool tsan = false;
  bool asan = false;
  bool defines_mutex_lock = false;
};

// Scans every symbol table (.dynsym and, when present, .symtab).
absl::Status ScanSymbols(const Bytes& file, const Elf64_Ehdr& header, SymbolFacts& facts) {
  if (header.e_shentsize != sizeof(Elf64_Shdr) && header.e_shnum != 0) {
    return absl::FailedPreconditionError("its section header size is not that of ELF64");
  }
  std::vector<Elf64_Shdr> sections(header.e_shnum);
  for (size_t i = 0; i < sections.size(); ++i) {
    if (!file.Read(header.e_shoff + i * sizeof(Elf64_Shdr), sections[i])) {
      return absl::FailedPreconditionError("its section headers run past the end of the file");
    }
  }
  for (const Elf64_Shdr& table : sections) {
    if (table.sh_type != SHT_DYNSYM && table.sh_type != SHT_SYMTAB) continue;
    if (table.sh_link >= sections.size() || table.sh_entsize != sizeof(Elf64_Sym)) continue;
    const Elf64_Shdr& strings = sections[table.sh_link];
    for (uint64_t offset = 0; offset + sizeof(Elf64_Sym) <= table.sh_size; offset += sizeof(Elf64_Sym)) {
      Elf64_Sym symbol;
      if (!file.Read(table.sh_offset + offset, symbol)) break;
      const absl::string_view name = file.StringAt(strings.sh_offset, strings.sh_size, symbol.st_name);
      if (name == "__tsan_init") facts.tsan = true;
      if (name == "__asan_init") facts.asan = true;
      if (table.sh_type == SHT_DYNSYM && name == "pthread_mutex_lock" &&
          symbol.st_shndx != SHN_UNDEF) {
        facts.defines_mutex_lock = true;
      }
    }
  }
  return absl::OkStatus();
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

absl::StatusOr<ProgramTraits> InspectProgram(const std::string& program) {
  if (program.empty()) return absl::InvalidArgumentError("no program given after '--'");
  ProgramTraits traits;
  traits.path = Resolve(program);
  if (traits.path.empty()) {
    return absl::NotFoundError(absl::StrCat("cannot start '", program,
                                            "': not found (no such file, nor an executable of "
                                            "that name in PATH)"));
  }
  struct stat info;
  if (::stat(traits.path.c_str(), &info) != 0) {
    return absl::NotFoundError(absl::StrCat("cannot start '", program, "': not found (no such file)"));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot start '", program, "': not a regular file"));
  }
  if (::access(traits.path.c_str(), X_OK) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot start '", program, "': not executable (chmod +x?)"));
  }
  const Bytes file(ReadWholeFile(traits.path));
  if (!file.StartsWith(ELFMAG)) return traits;  // a script: its interpreter decides

  auto broken = [&](absl::string_view why) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot start '", program, "': a broken ELF file (", why, ")"));
  };
  unsigned char ident[EI_NIDENT];
  if (!file.Read(0, ident)) return broken("shorter than its header");
  if (ident[EI_CLASS] != ELFCLASS64) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot start '", program, "': wrong architecture (a 32-bit ELF file; this machine runs ",
        MachineName(kHostMachine), ")"));
  }
  Elf64_Ehdr header;
  if (!file.Read(0, header)) return broken("shorter than its header");
  if (kHostMachine >= 0 && header.e_machine != kHostMachine) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot start '", program, "': wrong architecture (built for ",
        MachineName(header.e_machine), "; this machine runs ", MachineName(kHostMachine), ")"));
  }
  if (header.e_type != ET_EXEC && header.e_type != ET_DYN) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot start '", program, "': not an executable (ELF type ", header.e_type,
        header.e_type == ET_REL ? ", an object file" : "", ")"));
  }
  traits.is_elf = true;

  bool dynamic = false;
  for (size_t i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    if (!file.Read(header.e_phoff + i * header.e_phentsize, segment)) {
      return broken("its program headers run past the end of the file");
    }
    if (segment.p_type == PT_INTERP) dynamic = true;
  }
  SymbolFacts facts;
  if (absl::Status scanned = ScanSymbols(file, header, facts); !scanned.ok()) {
    return broken(scanned.message());
  }
  traits.tsan = facts.tsan;
  traits.asan = facts.asan;
  traits.preload_reaches_locks = dynamic && !facts.defines_mutex_lock;
  if (!dynamic) {
    traits.why_no_preload = "statically linked: LD_PRELOAD cannot reach its pthread calls";
  } else if (facts.defines_mutex_lock) {
    traits.why_no_preload =
        "it defines pthread_mutex_lock itself (a sanitizer runtime linked into the executable, "
        "as clang does), which wins over a preloaded library";
  }
  return traits;
}

}  // namespace racelab
