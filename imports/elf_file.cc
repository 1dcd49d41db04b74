// ELF64 parsing for imports and dependencies, bounded by the file size at every step.
#include "imports/elf_file.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace minpriv::imports {
namespace {

// Caps that keep a corrupted header from asking for absurd amounts of memory.
constexpr uint64_t kMaxTableBytes = 256ull << 20;
constexpr uint64_t kMaxInterpreterBytes = 4096;

absl::Status Malformed(absl::string_view name, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(name, ": malformed ELF file: ", what));
}

template <typename T>
T Load(const std::string& bytes, uint64_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

struct Section {
  Elf64_Shdr header;
  std::string bytes;  // empty for SHT_NOBITS
};

// A string at `offset` in a string table, NUL-terminated inside the table.
absl::StatusOr<std::string> StringAt(const std::string& table, uint64_t offset,
                                     absl::string_view name) {
  if (offset >= table.size()) return Malformed(name, "string offset past its table");
  const char* start = table.data() + offset;
  const void* nul = std::memchr(start, '\0', table.size() - offset);
  if (nul == nullptr) return Malformed(name, "unterminated string");
  return std::string(start, static_cast<const char*>(nul) - start);
}

class Parser {
 public:
  Parser(const ByteSource& source, absl::string_view name) : source_(source), name_(name) {}

  absl::StatusOr<ElfInfo> Run() {
    if (auto s = ReadHeader(); !s.ok()) return s;
    if (auto s = ReadProgramHeaders(); !s.ok()) return s;
    if (auto s = ReadSectionHeaders(); !s.ok()) return s;
    if (auto s = ReadDynamic(); !s.ok()) return s;
    if (auto s = ReadSymbols(); !s.ok()) return s;
    std::sort(info_.imports.begin(), info_.imports.end());
    info_.imports.erase(std::unique(info_.imports.begin(), info_.imports.end()),
                        info_.imports.end());
    std::sort(info_.exports.begin(), info_.exports.end());
    info_.exports.erase(std::unique(info_.exports.begin(), info_.exports.end()),
                        info_.exports.end());
    return std::move(info_);
  }

 private:
  absl::StatusOr<std::string> ReadRange(uint64_t offset, uint64_t length, absl::string_view what) {
    if (length > kMaxTableBytes || offset > source_.Size() || length > source_.Size() - offset) {
      return Malformed(name_, absl::StrCat(what, " lies outside the file (truncated?)"));
    }
    return source_.Read(offset, length);
  }

  absl::Status ReadHeader() {
    if (source_.Size() < 4) return absl::InvalidArgumentError(absl::StrCat(name_, ": not an ELF file (too short)"));
    auto magic = source_.Read(0, 4);
    if (!magic.ok()) return magic.status();
    if (*magic != absl::string_view(ELFMAG, SELFMAG)) {
      if (magic->compare(0, 2, "#!") == 0) {
        return absl::InvalidArgumentError(absl::StrCat(name_, ": not an ELF file (a script)"));
      }
      return absl::InvalidArgumentError(absl::StrCat(name_, ": not an ELF file"));
    }
    if (source_.Size() < EI_NIDENT) return Malformed(name_, "truncated identification");
    auto ident = source_.Read(0, EI_NIDENT);
    if (!ident.ok()) return ident.status();
    if ((*ident)[EI_CLASS] != ELFCLASS64 || (*ident)[EI_DATA] != ELFDATA2LSB) {
      return absl::FailedPreconditionError(
          absl::StrCat(name_, ": not a 64-bit little-endian ELF file"));
    }
    auto bytes = ReadRange(0, sizeof(Elf64_Ehdr), "ELF header");
    if (!bytes.ok()) return bytes.status();
    ehdr_ = Load<Elf64_Ehdr>(*bytes, 0);
    if (ehdr_.e_machine != EM_X86_64) {
      return absl::FailedPreconditionError(
          absl::StrCat(name_, ": ELF file for machine ", ehdr_.e_machine, ", not x86_64"));
    }
    info_.type = ehdr_.e_type;
    return absl::OkStatus();
  }

  absl::Status ReadProgramHeaders() {
    if (ehdr_.e_phnum == 0) return absl::OkStatus();
    if (ehdr_.e_phentsize != sizeof(Elf64_Phdr)) return Malformed(name_, "program header size");
    auto bytes = ReadRange(ehdr_.e_phoff, uint64_t{ehdr_.e_phnum} * sizeof(Elf64_Phdr),
                           "program headers");
    if (!bytes.ok()) return bytes.status();
    for (uint64_t i = 0; i < ehdr_.e_phnum; ++i) {
      auto ph = Load<Elf64_Phdr>(*bytes, i * sizeof(Elf64_Phdr));
      if (ph.p_type == PT_DYNAMIC) info_.has_dynamic = true;
      if (ph.p_type != PT_INTERP) continue;
      if (ph.p_filesz == 0 || ph.p_filesz > kMaxInterpreterBytes) {
        return Malformed(name_, "interpreter size");
      }
      auto interp = ReadRange(ph.p_offset, ph.p_filesz, "interpreter");
      if (!interp.ok()) return interp.status();
      info_.interpreter = interp->substr(0, interp->find('\0'));
    }
    return absl::OkStatus();
  }

  absl::Status ReadSectionHeaders() {
    if (ehdr_.e_shoff == 0) return absl::OkStatus();
    if (ehdr_.e_shentsize != sizeof(Elf64_Shdr)) return Malformed(name_, "section header size");
    uint64_t count = ehdr_.e_shnum;
    if (count == 0) {  // more than SHN_LORESERVE sections: the count is in section 0
      auto first = ReadRange(ehdr_.e_shoff, sizeof(Elf64_Shdr), "section header 0");
      if (!first.ok()) return first.status();
      count = Load<Elf64_Shdr>(*first, 0).sh_size;
    }
    if (count > source_.Size() / sizeof(Elf64_Shdr)) return Malformed(name_, "section count");
    auto bytes = ReadRange(ehdr_.e_shoff, count * sizeof(Elf64_Shdr), "section headers");
    if (!bytes.ok()) return bytes.status();
    headers_.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      headers_.push_back(Load<Elf64_Shdr>(*bytes, i * sizeof(Elf64_Shdr)));
    }
    return absl::OkStatus();
  }

  // The contents of section `index`, loaded once.
  absl::StatusOr<const std::string*> SectionBytes(uint64_t index) {
    if (index == 0 || index >= headers_.size()) return Malformed(name_, "section link out of range");
    auto it = loaded_.find(index);
    if (it != loaded_.end()) return &it->second;
    const Elf64_Shdr& sh = headers_[index];
    std::string bytes;
    if (sh.sh_type != SHT_NOBITS) {
      auto read = ReadRange(sh.sh_offset, sh.sh_size, "section");
      if (!read.ok()) return read.status();
      bytes = *std::move(read);
    }
    return &loaded_.emplace(index, std::move(bytes)).first->second;
  }

  std::optional<uint64_t> FindSection(uint32_t type) const {
    for (uint64_t i = 1; i < headers_.size(); ++i) {
      if (headers_[i].sh_type == type) return i;
    }
    return std::nullopt;
  }

  absl::Status ReadDynamic() {
    auto index = FindSection(SHT_DYNAMIC);
    if (!index) {
      if (info_.has_dynamic && headers_.empty()) {
        return absl::UnimplementedError(
            absl::StrCat(name_, ": dynamic ELF file without section headers"));
      }
      return absl::OkStatus();
    }
    auto dynamic = SectionBytes(*index);
    if (!dynamic.ok()) return dynamic.status();
    auto strings = SectionBytes(headers_[*index].sh_link);
    if (!strings.ok()) return strings.status();
    for (uint64_t off = 0; off + sizeof(Elf64_Dyn) <= (*dynamic)->size(); off += sizeof(Elf64_Dyn)) {
      auto dyn = Load<Elf64_Dyn>(**dynamic, off);
      if (dyn.d_tag == DT_NULL) break;
      if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_SONAME && dyn.d_tag != DT_RPATH &&
          dyn.d_tag != DT_RUNPATH) {
        continue;
      }
      auto value = StringAt(**strings, dyn.d_un.d_val, name_);
      if (!value.ok()) return value.status();
      if (dyn.d_tag == DT_NEEDED) info_.needed.push_back(*value);
      if (dyn.d_tag == DT_SONAME) info_.soname = *value;
      auto& paths = dyn.d_tag == DT_RPATH ? info_.rpath : info_.runpath;
      if (dyn.d_tag == DT_RPATH || dyn.d_tag == DT_RUNPATH) {
        for (absl::string_view p : absl::StrSplit(*value, ':', absl::SkipEmpty())) {
          paths.emplace_back(p);
        }
      }
    }
    return absl::OkStatus();
  }

  // Version index → (version name, file) from SHT_GNU_verneed.
  absl::StatusOr<std::map<uint16_t, std::pair<std::string, std::string>>> ReadVerneed() {
    std::map<uint16_t, std::pair<std::string, std::string>> versions;
    auto index = FindSection(SHT_GNU_verneed);
    if (!index) return versions;
    auto bytes = SectionBytes(*index);
    if (!bytes.ok()) return bytes.status();
    auto strings = SectionBytes(headers_[*index].sh_link);
    if (!strings.ok()) return strings.status();
    const std::string& b = **bytes;
    uint64_t off = 0;
    // Each step consumes at least one record, so the section size bounds the walk.
    for (uint64_t steps = 0; steps <= b.size(); ++steps) {
      if (off + sizeof(Elf64_Verneed) > b.size()) return Malformed(name_, "version needs");
      auto vn = Load<Elf64_Verneed>(b, off);
      auto file = StringAt(**strings, vn.vn_file, name_);
      if (!file.ok()) return file.status();
      uint64_t aux = off + vn.vn_aux;
      for (uint16_t i = 0; i < vn.vn_cnt; ++i) {
        if (aux < off || aux + sizeof(Elf64_Vernaux) > b.size()) {
          return Malformed(name_, "version need entry");
        }
        auto vna = Load<Elf64_Vernaux>(b, aux);
        auto version = StringAt(**strings, vna.vna_name, name_);
        if (!version.ok()) return version.status();
        versions[vna.vna_other & 0x7fff] = {*version, *file};
        if (vna.vna_next == 0) break;
        aux += vna.vna_next;
      }
      if (vn.vn_next == 0) return versions;
      off += vn.vn_next;
    }
    return Malformed(name_, "version needs loop");
  }

  absl::Status ReadSymbols() {
    auto index = FindSection(SHT_DYNSYM);
    if (!index) return absl::OkStatus();
    auto symbols = SectionBytes(*index);
    if (!symbols.ok()) return symbols.status();
    auto strings = SectionBytes(headers_[*index].sh_link);
    if (!strings.ok()) return strings.status();
    uint64_t count = (*symbols)->size() / sizeof(Elf64_Sym);
    const std::string* versym = nullptr;
    if (auto vi = FindSection(SHT_GNU_versym)) {
      auto v = SectionBytes(*vi);
      if (!v.ok()) return v.status();
      if ((*v)->size() < count * sizeof(uint16_t)) return Malformed(name_, "symbol versions");
      versym = *v;
    }
    auto versions = ReadVerneed();
    if (!versions.ok()) return versions.status();
    for (uint64_t i = 1; i < count; ++i) {
      auto sym = Load<Elf64_Sym>(**symbols, i * sizeof(Elf64_Sym));
      unsigned bind = ELF64_ST_BIND(sym.st_info);
      unsigned type = ELF64_ST_TYPE(sym.st_info);
      if (bind != STB_GLOBAL && bind != STB_WEAK) continue;
      if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE) continue;
      if (sym.st_name == 0) continue;
      auto name = StringAt(**strings, sym.st_name, name_);
      if (!name.ok()) return name.status();
      if (sym.st_shndx != SHN_UNDEF) {
        if (type != STT_NOTYPE) info_.exports.push_back(*name);
        continue;
      }
      ImportedSymbol import;
      import.name = *name;
      import.weak = bind == STB_WEAK;
      if (versym != nullptr) {
        uint16_t v = Load<uint16_t>(*versym, i * sizeof(uint16_t)) & 0x7fff;
        if (auto it = versions->find(v); it != versions->end()) {
          import.version = it->second.first;
          import.version_file = it->second.second;
        }
      }
      info_.imports.push_back(std::move(import));
    }
    return absl::OkStatus();
  }

  const ByteSource& source_;
  std::string name_;
  Elf64_Ehdr ehdr_{};
  std::vector<Elf64_Shdr> headers_;
  std::map<uint64_t, std::string> loaded_;
  ElfInfo info_;
};

}  // namespace

absl::StatusOr<std::string> MemoryByteSource::Read(uint64_t offset, uint64_t length) const {
  if (offset > bytes_.size() || length > bytes_.size() - offset) {
    return absl::OutOfRangeError("read past the end of the file");
  }
  return bytes_.substr(offset, length);
}

absl::StatusOr<ElfInfo> ParseElf(const ByteSource& source, absl::string_view name) {
  return Parser(source, name).Run();
}

}  // namespace minpriv::imports
