#include "remediator/dns_label.h"

#include <cctype>
#include <cstdint>
#include <cstdio>

#include "absl/strings/str_cat.h"

namespace minpriv::remediator {
namespace {

uint32_t Fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

}  // namespace

std::string DnsLabel(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9')) {
      out.push_back(l);
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 63) {
    char hash[16];
    std::snprintf(hash, sizeof(hash), "%08x", Fnv1a(raw));
    out = absl::StrCat(out.substr(0, 54), "-", hash);
  }
  return out;
}

}  // namespace minpriv::remediator
