#include "crd/names.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace minpriv::crd {
namespace {

constexpr size_t kPrefixLength = 236;  // + '-' + 16 hex digits = 253

bool Alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

void TrimSeparators(std::string& s) {
  while (!s.empty() && !Alnum(s.back())) s.pop_back();
  size_t start = 0;
  while (start < s.size() && !Alnum(s[start])) ++start;
  s.erase(0, start);
}

std::string Join(std::initializer_list<std::string_view> parts) {
  std::string joined;
  for (std::string_view p : parts) {
    if (!joined.empty()) joined += '-';
    joined += p;
  }
  std::string out = absl::AsciiStrToLower(joined);
  for (char& c : out) {
    if (!Alnum(c) && c != '-' && c != '.') c = '-';
  }
  TrimSeparators(out);
  // Dots next to dashes ("a.-b") would leave a label without alphanumeric ends.
  if (!IsDns1123Subdomain(out.substr(0, kMaxObjectNameLength))) {
    for (char& c : out) {
      if (c == '.') c = '-';
    }
  }
  if (out.empty()) return absl::StrCat("minpriv-", absl::StrFormat("%016x", Fnv1a64(joined)));
  if (out.size() <= kMaxObjectNameLength) return out;
  std::string prefix = out.substr(0, kPrefixLength);
  TrimSeparators(prefix);
  return absl::StrCat(prefix, "-", absl::StrFormat("%016x", Fnv1a64(out)));
}

}  // namespace

std::string MergedProfileName(std::string_view kind, std::string_view name) {
  return Join({kind, name});
}

std::string PartialProfileName(std::string_view kind, std::string_view name,
                               std::string_view node) {
  return Join({kind, name, node});
}

bool IsDns1123Subdomain(std::string_view name) {
  if (name.empty() || name.size() > kMaxObjectNameLength) return false;
  if (!Alnum(name.front()) || !Alnum(name.back())) return false;
  // Each dot-separated label starts and ends with an alphanumeric.
  char prev = '.';
  for (char c : name) {
    if (!Alnum(c) && c != '-' && c != '.') return false;
    if (c == '.' && !Alnum(prev)) return false;
    if (prev == '.' && !Alnum(c)) return false;
    prev = c;
  }
  return true;
}

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace minpriv::crd
