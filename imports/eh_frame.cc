// .eh_frame reading: CIEs for their FDE pointer encoding, FDEs for their ranges.
#include "imports/eh_frame.h"

#include <cstring>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"

namespace minpriv::imports {
namespace {

constexpr uint8_t kOmit = 0xff;

absl::Status Bad(uint64_t offset, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(".eh_frame at ", offset, ": ", what));
}

class Reader {
 public:
  Reader(const std::string& bytes, uint64_t pos, uint64_t end) : b_(bytes), pos_(pos), end_(end) {}

  bool ok() const { return ok_; }
  uint64_t pos() const { return pos_; }

  uint64_t Fixed(size_t n) {
    if (!ok_ || end_ - pos_ < n) return Fail();
    uint64_t v = 0;
    std::memcpy(&v, b_.data() + pos_, n);
    pos_ += n;
    return v;
  }
  uint64_t Uleb() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t byte = static_cast<uint8_t>(Fixed(1));
      if (!ok_) return 0;
      v |= uint64_t{byte & 0x7fu} << shift;
      if (!(byte & 0x80)) return v;
    }
    return Fail();
  }
  int64_t Sleb() {
    int64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t byte = static_cast<uint8_t>(Fixed(1));
      if (!ok_) return 0;
      v |= int64_t{byte & 0x7f} << shift;
      if (!(byte & 0x80)) {
        if (shift + 7 < 64 && (byte & 0x40)) v |= -(int64_t{1} << (shift + 7));
        return v;
      }
    }
    return static_cast<int64_t>(Fail());
  }
  std::string CStr() {
    std::string s;
    while (ok_) {
      char c = static_cast<char>(Fixed(1));
      if (!ok_ || c == '\0') break;
      s.push_back(c);
    }
    return s;
  }
  // A pointer in `encoding` (DW_EH_PE_*), read at the reader's position whose virtual address
  // is `field_address`. Only absptr/pcrel applications, not indirect.
  std::optional<uint64_t> Pointer(uint8_t encoding, uint64_t field_address, bool apply = true) {
    uint64_t v = 0;
    switch (encoding & 0x0f) {
      case 0x00: v = Fixed(8); break;                                   // absptr
      case 0x01: v = Uleb(); break;                                     // uleb128
      case 0x02: v = Fixed(2); break;                                   // udata2
      case 0x03: v = Fixed(4); break;                                   // udata4
      case 0x04: v = Fixed(8); break;                                   // udata8
      case 0x09: v = static_cast<uint64_t>(Sleb()); break;              // sleb128
      case 0x0a: v = static_cast<uint64_t>(static_cast<int16_t>(Fixed(2))); break;
      case 0x0b: v = static_cast<uint64_t>(static_cast<int32_t>(Fixed(4))); break;
      case 0x0c: v = Fixed(8); break;
      default: return std::nullopt;
    }
    if (!ok_) return std::nullopt;
    if (!apply) return v;
    switch (encoding & 0xf0) {
      case 0x00: return v;
      case 0x10: return field_address + v;  // pcrel
      default: return std::nullopt;         // textrel, datarel, funcrel, aligned, indirect
    }
  }
  void Skip(uint64_t n) {
    if (!ok_ || end_ - pos_ < n) {
      Fail();
      return;
    }
    pos_ += n;
  }

 private:
  uint64_t Fail() {
    ok_ = false;
    return 0;
  }
  const std::string& b_;
  uint64_t pos_, end_;
  bool ok_ = true;
};

// The FDE pointer encoding a CIE declares ('R' in its augmentation), absptr without one.
absl::StatusOr<uint8_t> CieEncoding(const std::string& b, uint64_t pos, uint64_t end,
                                    uint64_t address, std::vector<uint64_t>& personalities) {
  Reader r(b, pos, end);
  uint8_t version = static_cast<uint8_t>(r.Fixed(1));
  std::string aug = r.CStr();
  if (!r.ok()) return Bad(pos, "truncated CIE");
  if (aug.find("eh") != std::string::npos) return Bad(pos, "old 'eh' augmentation");
  r.Uleb();  // code alignment
  r.Sleb();  // data alignment
  if (version == 1) r.Fixed(1); else r.Uleb();  // return address register
  if (aug.empty() || aug[0] != 'z') return uint8_t{0};
  r.Uleb();  // augmentation data length
  for (size_t i = 1; i < aug.size() && r.ok(); ++i) {
    switch (aug[i]) {
      case 'R': return static_cast<uint8_t>(r.Fixed(1));
      case 'L': r.Fixed(1); break;
      case 'P': {
        uint8_t enc = static_cast<uint8_t>(r.Fixed(1));
        if (enc & 0x80) {  // through a pointer in data, which a relocation fills
          if (!r.Pointer(enc & 0x7f, address + r.pos(), false)) return Bad(pos, "personality");
        } else {
          auto routine = r.Pointer(enc, address + r.pos());
          if (!routine) return Bad(pos, "personality");
          personalities.push_back(*routine);
        }
        break;
      }
      case 'S': case 'B': case 'G': break;
      default: return Bad(pos, absl::StrCat("augmentation ", aug));
    }
  }
  if (!r.ok()) return Bad(pos, "truncated CIE augmentation");
  return uint8_t{0};
}

}  // namespace

absl::StatusOr<EhFrame> ParseEhFrame(const std::string& b, uint64_t address) {
  EhFrame out;
  std::map<uint64_t, uint8_t> encodings;  // CIE offset → FDE pointer encoding
  uint64_t pos = 0;
  while (pos + 4 <= b.size()) {
    Reader head(b, pos, b.size());
    uint64_t length = head.Fixed(4);
    if (length == 0) break;  // terminator
    if (length == 0xffffffff) length = head.Fixed(8);
    const uint64_t body = head.pos();
    if (!head.ok() || length > b.size() - body) return Bad(pos, "record past the section");
    const uint64_t end = body + length;
    Reader r(b, body, end);
    const uint64_t id = r.Fixed(4);
    if (!r.ok()) return Bad(pos, "truncated record");
    if (id == 0) {
      auto enc = CieEncoding(b, r.pos(), end, address, out.personalities);
      if (!enc.ok()) return enc.status();
      encodings[pos] = *enc;
    } else {
      if (id > body) return Bad(pos, "CIE pointer out of range");
      const uint64_t cie = body - id;
      auto it = encodings.find(cie);
      if (it == encodings.end()) {  // a CIE after its FDE is legal: read it now
        Reader ch(b, cie, b.size());
        uint64_t clen = ch.Fixed(4);
        if (!ch.ok() || clen == 0 || clen == 0xffffffff || clen > b.size() - ch.pos()) {
          return Bad(pos, "bad CIE");
        }
        uint64_t cbody = ch.pos();
        if (ch.Fixed(4) != 0 || !ch.ok()) return Bad(pos, "CIE pointer to a non-CIE");
        auto enc = CieEncoding(b, ch.pos(), cbody + clen, address, out.personalities);
        if (!enc.ok()) return enc.status();
        it = encodings.emplace(cie, *enc).first;
      }
      const uint8_t enc = it->second;
      if (enc == kOmit) return Bad(pos, "omitted FDE pointers");
      auto start = r.Pointer(enc, address + r.pos());
      auto size = r.Pointer(enc & 0x0f, 0, false);
      if (!start || !size) return Bad(pos, "FDE pointer encoding");
      out.fdes.push_back({*start, *size});
    }
    pos = end;
  }
  return out;
}

}  // namespace minpriv::imports
