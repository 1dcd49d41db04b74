// The call graph of one shared object, from its .eh_frame, relocations and code bytes.
#include "imports/object_code.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "imports/eh_frame.h"

namespace minpriv::imports {
namespace {

constexpr uint64_t kMaxFileBytes = 1ull << 30;
constexpr uint32_t kShtRelr = 19;  // SHT_RELR, newer than some elf.h

template <typename T>
std::optional<T> LoadAt(const std::string& bytes, uint64_t offset) {
  if (offset > bytes.size() || sizeof(T) > bytes.size() - offset) return std::nullopt;
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

std::string CString(const std::string& table, uint64_t offset) {
  if (offset >= table.size()) return "";
  return std::string(table.c_str() + offset, strnlen(table.c_str() + offset, table.size() - offset));
}

bool IsPltName(absl::string_view name) {
  return name == ".plt" || name == ".plt.sec" || name == ".plt.got" || name == ".iplt";
}

struct Symbol {
  std::string name;
  uint64_t value = 0;
  bool defined = false;
  bool function = false;
  bool ifunc = false;  // the value is a resolver that returns the code to run
};

}  // namespace

class ObjectCodeBuilder {
 public:
  ObjectCodeBuilder(std::string bytes, absl::string_view name) : name_(name) {
    out_.bytes_ = std::move(bytes);
  }

  absl::StatusOr<ObjectCode> Run() {
    const std::string& b = out_.bytes_;
    if (b.size() < sizeof(Elf64_Ehdr) || b.compare(0, SELFMAG, ELFMAG, SELFMAG) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(name_, ": not an ELF file"));
    }
    if (b[EI_CLASS] != ELFCLASS64 || b[EI_DATA] != ELFDATA2LSB) return Whole("not ELF64 LE");
    ehdr_ = *LoadAt<Elf64_Ehdr>(b, 0);
    if (ehdr_.e_machine != EM_X86_64) return Whole("not x86_64");
    if (ehdr_.e_type != ET_DYN) return Whole("not position-independent (ET_DYN)");
    if (!ReadSections()) return Whole("malformed section headers");
    if (!ReadSymbols()) return Whole("malformed dynamic symbols");
    if (std::string why = ReadRelocations(); !why.empty()) return Whole(why);
    if (std::string why = BuildPieces(); !why.empty()) return Whole(why);
    ScanPieces();
    AddRoots();
    return std::move(out_);
  }

 private:
  ObjectCode Whole(absl::string_view why) {
    out_.why_whole_ = std::string(why);
    out_.pieces_.clear();
    for (const Symbol& s : symbols_) {
      if (!s.name.empty()) out_.relocation_names_.insert(s.name);
    }
    return std::move(out_);
  }

  std::string SectionName(const Elf64_Shdr& sh) const {
    if (ehdr_.e_shstrndx >= sections_.size()) return "";
    const Elf64_Shdr& names = sections_[ehdr_.e_shstrndx];
    if (names.sh_offset > out_.bytes_.size() || names.sh_size > out_.bytes_.size() - names.sh_offset) return "";
    return CString(out_.bytes_.substr(names.sh_offset, names.sh_size), sh.sh_name);
  }

  std::optional<std::string> SectionBytes(const Elf64_Shdr& sh) const {
    if (sh.sh_type == SHT_NOBITS) return std::string();
    if (sh.sh_offset > out_.bytes_.size() || sh.sh_size > out_.bytes_.size() - sh.sh_offset) {
      return std::nullopt;
    }
    return out_.bytes_.substr(sh.sh_offset, sh.sh_size);
  }

  bool ReadSections() {
    const std::string& b = out_.bytes_;
    if (ehdr_.e_shoff == 0 || ehdr_.e_shentsize != sizeof(Elf64_Shdr) || ehdr_.e_shnum == 0) return false;
    for (uint64_t i = 0; i < ehdr_.e_shnum; ++i) {
      auto sh = LoadAt<Elf64_Shdr>(b, ehdr_.e_shoff + i * sizeof(Elf64_Shdr));
      if (!sh) return false;
      sections_.push_back(*sh);
    }
    for (const Elf64_Shdr& sh : sections_) names_.push_back(SectionName(sh));
    return true;
  }

  bool ReadSymbols() {
    for (const Elf64_Shdr& sh : sections_) {
      if (sh.sh_type != SHT_DYNSYM) continue;
      if (sh.sh_link >= sections_.size()) return false;
      auto syms = SectionBytes(sh);
      auto strs = SectionBytes(sections_[sh.sh_link]);
      if (!syms || !strs) return false;
      for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= syms->size(); off += sizeof(Elf64_Sym)) {
        auto sym = *LoadAt<Elf64_Sym>(*syms, off);
        unsigned type = ELF64_ST_TYPE(sym.st_info);
        symbols_.push_back(Symbol{.name = CString(*strs, sym.st_name),
                                  .value = sym.st_value,
                                  .defined = sym.st_shndx != SHN_UNDEF,
                                  .function = type == STT_FUNC || type == STT_GNU_IFUNC,
                                  .ifunc = type == STT_GNU_IFUNC});
      }
    }
    return true;
  }

  // Relocations: GOT slots (symbol-bearing GLOB_DAT/JUMP_SLOT), code addresses stored in
  // data (roots), absolute references to symbols (always reached).
  std::string ReadRelocations() {
    for (const Elf64_Shdr& sh : sections_) {
      if (sh.sh_type == SHT_REL) return "REL relocations";
      if (sh.sh_type == kShtRelr) {
        if (!ReadRelr(sh)) return "malformed RELR relocations";
        continue;
      }
      if (sh.sh_type != SHT_RELA) continue;
      auto rels = SectionBytes(sh);
      if (!rels) return "malformed relocations";
      for (uint64_t off = 0; off + sizeof(Elf64_Rela) <= rels->size(); off += sizeof(Elf64_Rela)) {
        auto r = *LoadAt<Elf64_Rela>(*rels, off);
        uint32_t type = ELF64_R_TYPE(r.r_info);
        uint32_t sym = ELF64_R_SYM(r.r_info);
        if (type == R_X86_64_RELATIVE || type == R_X86_64_IRELATIVE) {
          root_addresses_.push_back(static_cast<uint64_t>(r.r_addend));
          continue;
        }
        if (sym == 0 || sym >= symbols_.size()) continue;
        const Symbol& s = symbols_[sym];
        if (s.name.empty()) continue;
        out_.relocation_names_.insert(s.name);
        if (type == R_X86_64_GLOB_DAT || type == R_X86_64_JUMP_SLOT) {
          got_slots_[r.r_offset] = sym;
        } else {  // a symbol's address stored in data: reached whatever code runs
          always_symbols_.push_back(sym);
        }
      }
    }
    return "";
  }

  // RELR: relative relocations packed as addresses and bitmaps; the addend is the 8 bytes
  // already stored at each address.
  bool ReadRelr(const Elf64_Shdr& sh) {
    auto relr = SectionBytes(sh);
    if (!relr) return false;
    uint64_t where = 0;
    for (uint64_t off = 0; off + 8 <= relr->size(); off += 8) {
      const uint64_t entry = *LoadAt<uint64_t>(*relr, off);
      if ((entry & 1) == 0) {
        if (!RootStoredAt(entry)) return false;
        where = entry + 8;
        continue;
      }
      for (int bit = 1; bit < 64; ++bit) {
        if (((entry >> bit) & 1) && !RootStoredAt(where + (bit - 1) * 8)) return false;
      }
      where += 63 * 8;
    }
    return true;
  }

  bool RootStoredAt(uint64_t address) {
    for (const Elf64_Shdr& sh : sections_) {
      if (sh.sh_type == SHT_NOBITS || !(sh.sh_flags & SHF_ALLOC) || address < sh.sh_addr ||
          address + 8 > sh.sh_addr + sh.sh_size) {
        continue;
      }
      auto value = LoadAt<uint64_t>(out_.bytes_, sh.sh_offset + (address - sh.sh_addr));
      if (!value) return false;
      root_addresses_.push_back(*value);
      return true;
    }
    return false;
  }

  std::string BuildPieces() {
    std::optional<Elf64_Shdr> eh;
    for (size_t i = 0; i < sections_.size(); ++i) {
      if (names_[i] == ".eh_frame") eh = sections_[i];
    }
    if (!eh) return "no .eh_frame";
    auto eh_bytes = SectionBytes(*eh);
    if (!eh_bytes) return "malformed .eh_frame";
    auto fdes = ParseEhFrame(*eh_bytes, eh->sh_addr);
    if (!fdes.ok()) return std::string(fdes.status().message());
    std::map<uint64_t, uint64_t> fde_end;  // start → largest FDE end from it
    root_addresses_.insert(root_addresses_.end(), fdes->personalities.begin(),
                           fdes->personalities.end());
    for (const FdeRange& f : fdes->fdes) {
      if (f.size == 0) continue;
      uint64_t& e = fde_end[f.start];
      e = std::max(e, f.start + f.size);
    }
    for (size_t i = 0; i < sections_.size(); ++i) {
      const Elf64_Shdr& sh = sections_[i];
      if (!(sh.sh_flags & SHF_EXECINSTR) || sh.sh_type != SHT_PROGBITS || sh.sh_size == 0) continue;
      if (sh.sh_offset > out_.bytes_.size() || sh.sh_size > out_.bytes_.size() - sh.sh_offset) {
        return "code section outside the file";
      }
      const uint64_t lo = sh.sh_addr, hi = sh.sh_addr + sh.sh_size;
      code_.push_back({lo, hi, sh.sh_offset, IsPltName(names_[i])});
      if (IsPltName(names_[i])) continue;
      std::vector<uint64_t> starts;
      for (auto it = fde_end.lower_bound(lo); it != fde_end.end() && it->first < hi; ++it) {
        starts.push_back(it->first);
      }
      if (starts.empty() || starts.front() != lo) {  // code no FDE covers: always runnable
        uint64_t end = starts.empty() ? hi : starts.front();
        root_addresses_.push_back(lo);
        AddPiece(lo, end, end, sh.sh_offset);
      }
      for (size_t k = 0; k < starts.size(); ++k) {
        uint64_t end = k + 1 < starts.size() ? starts[k + 1] : hi;
        AddPiece(starts[k], end, std::min(fde_end[starts[k]], end), sh.sh_offset + (starts[k] - lo));
      }
    }
    std::sort(code_.begin(), code_.end());
    // Pieces were added per section in address order; sections may not be.
    std::vector<size_t> order(out_.pieces_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t c) {
      return out_.pieces_[a].start < out_.pieces_[c].start;
    });
    std::vector<ObjectCode::Piece> pieces;
    std::vector<uint64_t> ends;
    for (size_t i : order) {
      pieces.push_back(std::move(out_.pieces_[i]));
      ends.push_back(fde_ends_[i]);
    }
    out_.pieces_ = std::move(pieces);
    fde_ends_ = std::move(ends);
    return "";
  }

  void AddPiece(uint64_t start, uint64_t end, uint64_t fde_end, uint64_t offset) {
    ObjectCode::Piece p;
    p.start = start;
    p.end = end;
    p.code_end = fde_end;
    p.offset = offset;
    out_.pieces_.push_back(std::move(p));
    fde_ends_.push_back(fde_end);
  }

  // The piece holding `address`, if it is in a (non-PLT) code piece.
  std::optional<uint32_t> PieceAt(uint64_t address) const {
    const auto& ps = out_.pieces_;
    auto it = std::upper_bound(ps.begin(), ps.end(), address,
                               [](uint64_t a, const ObjectCode::Piece& p) { return a < p.start; });
    if (it == ps.begin()) return std::nullopt;
    --it;
    if (address >= it->end) return std::nullopt;
    return static_cast<uint32_t>(it - ps.begin());
  }

  struct CodeRange {
    uint64_t lo, hi, offset;
    bool plt;
    friend bool operator<(const CodeRange& a, const CodeRange& b) { return a.lo < b.lo; }
  };

  const CodeRange* RangeAt(uint64_t address) const {
    for (const CodeRange& r : code_) {
      if (address >= r.lo && address < r.hi) return &r;
    }
    return nullptr;
  }

  uint32_t NameIndex(uint32_t sym) {
    auto [it, added] = name_index_.emplace(symbols_[sym].name, out_.names_.size());
    if (added) out_.names_.push_back(symbols_[sym].name);
    return it->second;
  }

  // A PLT stub at `target`: the first `jmp *GOT(%rip)` (ff 25) within its 16 bytes names the
  // slot, hence the symbol. Unknown stubs name nothing (the lazy-binding PLT0).
  void AddPltEdge(ObjectCode::Piece& p, const CodeRange& r, uint64_t target) {
    const std::string& b = out_.bytes_;
    for (uint64_t a = target; a + 6 <= r.hi && a < target + 16; ++a) {
      uint64_t off = r.offset + (a - r.lo);
      if (static_cast<uint8_t>(b[off]) != 0xff || static_cast<uint8_t>(b[off + 1]) != 0x25) continue;
      auto disp = LoadAt<int32_t>(b, off + 2);
      if (!disp) return;
      AddSlotEdge(p, a + 6 + *disp);
      return;
    }
  }

  bool AddSlotEdge(ObjectCode::Piece& p, uint64_t slot) {
    if (got_slots_.empty() || slot < got_slots_.begin()->first || slot > got_slots_.rbegin()->first) {
      return false;
    }
    auto it = got_slots_.find(slot);
    if (it == got_slots_.end()) return false;
    p.names.push_back(NameIndex(it->second));
    const Symbol& s = symbols_[it->second];
    if (s.defined && s.function) {
      if (auto q = PieceAt(s.value)) p.pieces.push_back(*q);
    }
    return true;
  }

  void ScanPieces() {
    const std::string& b = out_.bytes_;
    const uint64_t code_lo = code_.empty() ? 0 : code_.front().lo;
    const uint64_t code_hi = code_.empty() ? 0 : code_.back().hi;
    for (uint32_t i = 0; i < out_.pieces_.size(); ++i) {
      ObjectCode::Piece& p = out_.pieces_[i];
      const CodeRange* r = RangeAt(p.start);
      const uint64_t base = r->offset - r->lo;  // file offset = address + base
      for (uint64_t a = p.start; a < p.end; ++a) {
        const uint8_t op = static_cast<uint8_t>(b[a + base]);
        // Short branches (jmp, jcc, jrcxz, loop) that leave the piece.
        if (a + 2 <= p.end && (op == 0xeb || (op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3))) {
          uint64_t t = a + 2 + static_cast<int8_t>(b[a + 1 + base]);
          if (t < p.start || t >= p.end) {
            if (auto q = PieceAt(t)) p.pieces.push_back(*q);
          }
        }
        // A 4-byte window is a branch target or RIP-relative displacement only after the
        // opcode of call/jmp rel32 (e8, e9), jcc rel32 (0f 80-8f) or a ModRM byte with
        // mod=00 rm=101 (any instruction with a RIP-relative operand).
        if (a + 4 > r->hi || a == r->lo) continue;
        const uint8_t before = static_cast<uint8_t>(b[a - 1 + base]);
        const bool branch = before == 0xe8 || before == 0xe9 ||
                            (before >= 0x80 && before <= 0x8f && a - 2 >= r->lo &&
                             static_cast<uint8_t>(b[a - 2 + base]) == 0x0f);
        if (!branch && (before & 0xc7) != 0x05) continue;
        const int32_t disp = *LoadAt<int32_t>(b, a + base);
        // rel32 branches and RIP-relative operands end with their displacement; operands
        // followed by an 8- or 32-bit immediate end 1 or 4 bytes later (GOT slots only).
        for (uint64_t tail : {0, 1, 4}) {
          const uint64_t t = a + 4 + tail + static_cast<int64_t>(disp);
          if (AddSlotEdge(p, t) || tail != 0) continue;
          if (t < code_lo || t >= code_hi || (t >= p.start && t < p.end)) continue;
          if (auto q = PieceAt(t)) {
            p.pieces.push_back(*q);
          } else if (const CodeRange* pr = RangeAt(t); pr != nullptr && pr->plt) {
            AddPltEdge(p, *pr, t);
          }
        }
      }
      if (i + 1 < out_.pieces_.size() && out_.pieces_[i + 1].start == p.end &&
          MayFallThrough(fde_ends_[i], p.start, base)) {
        p.pieces.push_back(i + 1);
      }
      std::sort(p.pieces.begin(), p.pieces.end());
      p.pieces.erase(std::unique(p.pieces.begin(), p.pieces.end()), p.pieces.end());
      std::sort(p.names.begin(), p.names.end());
      p.names.erase(std::unique(p.names.begin(), p.names.end()), p.names.end());
    }
  }

  // Whether the code ending at `end` may run on into the next function: unless its last
  // instruction is plainly ret, jmp, ud2, hlt or int3, assume it may.
  bool MayFallThrough(uint64_t end, uint64_t start, uint64_t base) const {
    const std::string& b = out_.bytes_;
    auto at = [&](uint64_t back) -> int {
      return end - back >= start ? static_cast<uint8_t>(b[end - back + base]) : -1;
    };
    if (at(1) == 0xc3 || at(1) == 0xcc || at(1) == 0xf4) return false;  // ret, int3, hlt
    if (at(3) == 0xc2) return false;                                     // ret imm16
    if (at(5) == 0xe9 || at(2) == 0xeb) return false;                    // jmp rel32/rel8
    if (at(2) == 0x0f && at(1) == 0x0b) return false;                    // ud2
    if (at(2) == 0xff && at(1) >= 0xe0 && at(1) <= 0xe7) return false;   // jmp *%reg
    if (at(6) == 0xff && at(5) == 0x25) return false;                    // jmp *disp(%rip)
    return true;
  }

  void AddRoots() {
    root_addresses_.push_back(ehdr_.e_entry);
    for (size_t i = 0; i < sections_.size(); ++i) {
      if (sections_[i].sh_type != SHT_DYNAMIC) continue;
      auto dyn = SectionBytes(sections_[i]);
      for (uint64_t off = 0; dyn && off + sizeof(Elf64_Dyn) <= dyn->size(); off += sizeof(Elf64_Dyn)) {
        auto d = *LoadAt<Elf64_Dyn>(*dyn, off);
        if (d.d_tag == DT_INIT || d.d_tag == DT_FINI) root_addresses_.push_back(d.d_un.d_ptr);
      }
    }
    for (uint32_t sym : always_symbols_) {
      out_.root_names_.push_back(NameIndex(sym));
      if (symbols_[sym].defined) root_addresses_.push_back(symbols_[sym].value);
    }
    for (uint64_t a : root_addresses_) {
      if (auto q = PieceAt(a)) out_.root_pieces_.push_back(*q);
    }
    for (const Symbol& s : symbols_) {
      if (!s.defined || !s.function || s.name.empty()) continue;
      if (auto q = PieceAt(s.value)) {
        // An IFUNC's resolver is not the function: never a plain wrapper (address 0).
        out_.exports_.emplace_back(s.name, *q, s.ifunc ? 0 : s.value);
      }
    }
    std::sort(out_.exports_.begin(), out_.exports_.end());
  }

  std::string name_;
  ObjectCode out_;
  Elf64_Ehdr ehdr_{};
  std::vector<Elf64_Shdr> sections_;
  std::vector<std::string> names_;
  std::vector<Symbol> symbols_;
  std::map<uint64_t, uint32_t> got_slots_;  // slot address → symbol index
  std::vector<uint32_t> always_symbols_;
  std::vector<uint64_t> root_addresses_;
  std::vector<CodeRange> code_;
  std::vector<uint64_t> fde_ends_;
  std::map<std::string, uint32_t> name_index_;
};

absl::StatusOr<ObjectCode> ObjectCode::Build(const ByteSource& source, absl::string_view name) {
  if (source.Size() > kMaxFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": too large to analyse"));
  }
  auto bytes = source.Read(0, source.Size());
  if (!bytes.ok()) return bytes.status();
  return ObjectCodeBuilder(*std::move(bytes), name).Run();
}

}  // namespace minpriv::imports
