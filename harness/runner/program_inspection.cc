// Black-box program inspection (see program_inspection.h): a bounds-checked
// reading of the ELF header, program headers and symbol tables.
#include "harness/runner/program_inspection.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
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
    case EM_386:
      return "x86 (32-bit)";
    case EM_X86_64:
      return "x86-64";
    case EM_ARM:
      return "ARM (32-bit)";
    case EM_AARCH64:
      return "AArch64";
    case EM_RISCV:
      return "RISC-V";
    case EM_PPC64:
      return "PowerPC 64";
    case EM_S390:
      return "s390";
    default:
      return absl::StrCat("machine type ", machine);
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

// Reads parts of the file, refusing reads past its end. Only what the
// inspection needs is read (headers, symbol and string tables), never the
// whole program (node's binary is 90 MB). With pread, not mmap: a file
// truncated meanwhile makes a read fail, not racelab crash (SIGBUS).
class Bytes {
 public:
  explicit Bytes(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    struct stat info;
    if (fd_ >= 0 && ::fstat(fd_, &info) == 0) size_ = static_cast<uint64_t>(info.st_size);
  }
  Bytes(const Bytes&) = delete;
  Bytes& operator=(const Bytes&) = delete;
  ~Bytes() {
    if (fd_ >= 0) ::close(fd_);
  }

  template <typename T>
  bool Read(uint64_t offset, T& out) const {
    return ReadInto(offset, sizeof(T), &out);
  }
  // `count` bytes at `offset`; nullopt when they are not all in the file.
  std::optional<std::string> ReadRange(uint64_t offset, uint64_t count) const {
    if (offset > size_ || count > size_ - offset) return std::nullopt;
    std::string data(count, '\0');
    if (!ReadInto(offset, count, data.data())) return std::nullopt;
    return data;
  }
  bool StartsWith(absl::string_view prefix) const {
    std::string head(prefix.size(), '\0');
    return ReadInto(0, head.size(), head.data()) && head == prefix;
  }

 private:
  bool ReadInto(uint64_t offset, uint64_t count, void* out) const {
    if (fd_ < 0 || offset > size_ || count > size_ - offset) return false;
    auto* bytes = static_cast<char*>(out);
    uint64_t done = 0;
    while (done < count) {
      const ssize_t n = ::pread(fd_, bytes + done, count - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<uint64_t>(n);
    }
    return true;
  }

  int fd_;
  uint64_t size_ = 0;
};

// The NUL-terminated string at `offset` in a string table.
absl::string_view StringAt(absl::string_view table, uint64_t offset) {
  if (offset >= table.size()) return {};
  const size_t end = table.find('\0', offset);
  return end == absl::string_view::npos ? absl::string_view() : table.substr(offset, end - offset);
}

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
    const std::optional<std::string> symbols = file.ReadRange(table.sh_offset, table.sh_size);
    const std::optional<std::string> names = file.ReadRange(strings.sh_offset, strings.sh_size);
    if (!symbols || !names) continue;  // a table past the end of the file: nothing in it counts
    for (uint64_t offset = 0; offset + sizeof(Elf64_Sym) <= symbols->size();
         offset += sizeof(Elf64_Sym)) {
      Elf64_Sym symbol;
      std::memcpy(&symbol, symbols->data() + offset, sizeof symbol);
      const absl::string_view name = StringAt(*names, symbol.st_name);
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
    return absl::NotFoundError(
        absl::StrCat("cannot start '", program, "': not found (no such file)"));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot start '", program, "': not a regular file"));
  }
  if (::access(traits.path.c_str(), X_OK) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot start '", program, "': not executable (chmod +x?)"));
  }
  const Bytes file(traits.path);
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
    return absl::FailedPreconditionError(
        absl::StrCat("cannot start '", program, "': not an executable (ELF type ", header.e_type,
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
  traits.static_executable = !dynamic;
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
