// A linear-sweep decoder for the few instructions of system call wrappers.
#include "imports/wrapper_code.h"

#include <cstring>
#include <vector>

namespace minpriv::imports {
namespace {

enum class Kind { kOther, kNop, kMovEaxImm, kSyscall, kJump, kCondJump, kEnd };

struct Insn {
  size_t start = 0;
  size_t size = 0;
  Kind kind = Kind::kOther;
  int64_t target = 0;    // for jumps, relative to the code's start
  uint32_t value = 0;    // for kMovEaxImm
};

class Decoder {
 public:
  explicit Decoder(absl::string_view code) : c_(code) {}

  // The instruction at `at`, or nullopt for anything this decoder does not know.
  std::optional<Insn> Decode(size_t at) {
    pos_ = at;
    bool opsize = false, rex_w = false, rex = false, prefixed = false;
    for (;;) {
      auto b = Byte();
      if (!b) return std::nullopt;
      if (*b == 0x66) { opsize = true; prefixed = true; continue; }
      if (*b == 0xf2 || *b == 0xf3 || *b == 0x2e || *b == 0x3e || *b == 0x26 || *b == 0x36 ||
          *b == 0x64 || *b == 0x65) { prefixed = true; continue; }
      --pos_;
      break;
    }
    uint8_t op = *Byte();
    if (op >= 0x40 && op <= 0x4f) {
      rex = true;
      rex_w = op & 8;
      auto next = Byte();
      if (!next) return std::nullopt;
      op = *next;
    }
    Insn insn;
    insn.start = at;
    const size_t imm = opsize ? 2 : 4;
    bool ok = true;
    if (op == 0x0f) {
      auto op2 = Byte();
      if (!op2) return std::nullopt;
      if (*op2 == 0x05) {
        insn.kind = Kind::kSyscall;
      } else if (*op2 == 0x0b) {
        insn.kind = Kind::kEnd;  // ud2
      } else if (*op2 >= 0x80 && *op2 <= 0x8f) {
        ok = Rel(4, insn, Kind::kCondJump);
      } else if (*op2 == 0x1f) {
        insn.kind = Kind::kNop;
        ok = ModRm();
      } else if (*op2 == 0x1e || (*op2 >= 0x40 && *op2 <= 0x4f) ||
                 (*op2 >= 0x90 && *op2 <= 0x9f) || *op2 == 0xb6 || *op2 == 0xb7 ||
                 *op2 == 0xbe || *op2 == 0xbf || *op2 == 0xaf) {
        ok = ModRm();  // nop, endbr64, cmov, setcc, movzx/movsx, imul
      } else {
        return std::nullopt;
      }
    } else if (op >= 0xb8 && op <= 0xbf) {
      if (op == 0xb8 && !rex && !prefixed) {
        auto v = Fixed(4);
        if (!v) return std::nullopt;
        insn.kind = Kind::kMovEaxImm;
        insn.value = static_cast<uint32_t>(*v);
      } else {
        ok = Skip(rex_w ? 8 : imm);
      }
    } else if (op <= 0x3f && (op & 7) <= 3) {
      ok = ModRm();  // add/or/adc/sbb/and/sub/xor/cmp r/m forms
    } else if (op <= 0x3f && (op & 7) == 4) {
      ok = Skip(1);  // al, imm8
    } else if (op <= 0x3f && (op & 7) == 5) {
      ok = Skip(imm);  // eax, imm32
    } else if (op == 0x90) {
      insn.kind = Kind::kNop;
    } else if ((op >= 0x50 && op <= 0x5f) || op == 0x98 || op == 0x99 ||
               op == 0xc9) {
      // push/pop, nop, cdqe, cqo, leave
    } else if (op == 0x63 || (op >= 0x84 && op <= 0x8b) || op == 0x8d || op == 0xd1 ||
               op == 0xd3) {
      ok = ModRm();
    } else if (op == 0x80 || op == 0x83 || op == 0xc0 || op == 0xc1 || op == 0xc6 || op == 0x6b) {
      ok = ModRm() && Skip(1);
    } else if (op == 0x81 || op == 0xc7 || op == 0x69) {
      ok = ModRm() && Skip(imm);
    } else if (op == 0xa8) {
      ok = Skip(1);
    } else if (op == 0xa9) {
      ok = Skip(imm);
    } else if (op == 0xf6 || op == 0xf7) {
      auto reg = ModRmReg();
      if (!reg) return std::nullopt;
      if (*reg <= 1) ok = Skip(op == 0xf6 ? 1 : imm);  // test r/m, imm
    } else if (op == 0xff) {
      auto reg = ModRmReg();
      if (!reg || (*reg >= 2 && *reg <= 5) || *reg == 7) return std::nullopt;  // indirect
    } else if (op >= 0x70 && op <= 0x7f) {
      ok = Rel(1, insn, Kind::kCondJump);
    } else if (op == 0xeb) {
      ok = Rel(1, insn, Kind::kJump);
    } else if (op == 0xe9) {
      ok = Rel(4, insn, Kind::kJump);
    } else if (op == 0xc3 || op == 0xcc || op == 0xf4) {
      insn.kind = Kind::kEnd;
    } else {
      return std::nullopt;  // calls, int, sysenter, string ops, anything unusual
    }
    if (!ok) return std::nullopt;
    insn.size = pos_ - at;
    return insn;
  }

 private:
  std::optional<uint8_t> Byte() {
    if (pos_ >= c_.size()) return std::nullopt;
    return static_cast<uint8_t>(c_[pos_++]);
  }
  std::optional<int64_t> Fixed(size_t n) {  // 1 or 4 bytes, sign-extended
    if (pos_ > c_.size() || c_.size() - pos_ < n) return std::nullopt;
    int64_t v = 0;
    if (n == 1) v = static_cast<int8_t>(c_[pos_]);
    if (n == 4) {
      int32_t w;
      std::memcpy(&w, c_.data() + pos_, 4);
      v = w;
    }
    pos_ += n;
    return v;
  }
  bool Skip(size_t n) {
    if (pos_ > c_.size() || c_.size() - pos_ < n) return false;
    pos_ += n;
    return true;
  }
  std::optional<int> ModRmReg() {
    auto m = Byte();
    if (!m) return std::nullopt;
    --pos_;
    if (!ModRm()) return std::nullopt;
    return (*m >> 3) & 7;
  }
  bool ModRm() {
    auto m = Byte();
    if (!m) return false;
    const int mod = *m >> 6, rm = *m & 7;
    if (mod == 3) return true;
    int base = rm;
    if (rm == 4) {
      auto sib = Byte();
      if (!sib) return false;
      base = *sib & 7;
    }
    if (mod == 1) return Skip(1);
    if (mod == 2 || (mod == 0 && (rm == 5 || base == 5))) return Skip(4);
    return true;
  }
  bool Rel(size_t n, Insn& insn, Kind kind) {
    auto d = Fixed(n);
    if (!d) return false;
    insn.kind = kind;
    insn.target = static_cast<int64_t>(pos_) + *d;
    return true;
  }

  absl::string_view c_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<std::set<uint32_t>> WrapperSyscalls(absl::string_view code) {
  Decoder decoder(code);
  std::vector<Insn> insns;
  std::vector<bool> starts(code.size() + 1);
  for (size_t at = 0; at < code.size();) {
    auto insn = decoder.Decode(at);
    if (!insn) return std::nullopt;
    insns.push_back(*insn);
    starts[at] = true;
    at += insn->size;
  }
  if (insns.empty()) return std::nullopt;
  size_t n = insns.size();
  while (n > 0 && insns[n - 1].kind == Kind::kNop) --n;  // alignment padding
  if (n == 0) return std::nullopt;
  const Kind last = insns[n - 1].kind;
  if (last != Kind::kEnd && last != Kind::kJump) return std::nullopt;  // may fall through
  std::vector<bool> targeted(code.size() + 1);
  for (const Insn& i : insns) {
    if (i.kind != Kind::kJump && i.kind != Kind::kCondJump) continue;
    if (i.target < 0 || static_cast<size_t>(i.target) >= code.size() || !starts[i.target]) {
      return std::nullopt;  // leaves the function or lands inside an instruction
    }
    targeted[i.target] = true;
  }
  std::set<uint32_t> out;
  for (size_t k = 0; k < insns.size(); ++k) {
    if (insns[k].kind != Kind::kSyscall) continue;
    if (k == 0 || insns[k - 1].kind != Kind::kMovEaxImm || targeted[insns[k].start]) {
      return std::nullopt;
    }
    out.insert(insns[k - 1].value);
  }
  return out;
}

}  // namespace minpriv::imports
