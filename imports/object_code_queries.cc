// Questions asked of an object's call graph: what its entries reach, what its plain
// wrappers make, which names it holds as strings.
#include <algorithm>
#include <deque>
#include <string_view>
#include <unordered_set>

#include "imports/object_code.h"
#include "imports/wrapper_code.h"

namespace minpriv::imports {
namespace {

constexpr size_t kMaxName = 256;  // longest symbol name looked for by StringsAmong

}  // namespace

std::set<std::string> ObjectCode::ReachedNames(const std::set<std::string>& entries) const {
  if (whole()) return relocation_names_;
  std::vector<bool> seen(pieces_.size());
  std::deque<uint32_t> queue;
  auto visit = [&](uint32_t p) {
    if (!seen[p]) {
      seen[p] = true;
      queue.push_back(p);
    }
  };
  for (uint32_t p : root_pieces_) visit(p);
  for (const auto& [name, piece, address] : exports_) {
    if (entries.contains(name)) visit(piece);
  }
  std::set<std::string> out;
  for (uint32_t n : root_names_) out.insert(names_[n]);
  while (!queue.empty()) {
    const Piece& p = pieces_[queue.front()];
    queue.pop_front();
    for (uint32_t q : p.pieces) visit(q);
    for (uint32_t n : p.names) out.insert(names_[n]);
  }
  return out;
}

std::optional<std::set<uint32_t>> ObjectCode::WrapperSyscalls(absl::string_view name) const {
  if (whole()) return std::nullopt;
  auto it = std::lower_bound(exports_.begin(), exports_.end(), name,
                             [](const auto& e, absl::string_view n) { return std::get<0>(e) < n; });
  std::optional<std::set<uint32_t>> out;
  for (; it != exports_.end() && std::get<0>(*it) == name; ++it) {
    const Piece& p = pieces_[std::get<1>(*it)];
    if (std::get<2>(*it) != p.start || !p.names.empty() || p.offset > bytes_.size() ||
        p.code_end - p.start > bytes_.size() - p.offset) {
      return std::nullopt;
    }
    auto calls = imports::WrapperSyscalls(absl::string_view(bytes_).substr(p.offset, p.code_end - p.start));
    if (!calls) return std::nullopt;
    if (!out) out.emplace();
    out->insert(calls->begin(), calls->end());
  }
  return out;
}

std::set<std::string> ObjectCode::StringsAmong(const std::set<std::string>& names) const {
  std::unordered_set<std::string_view> wanted(names.begin(), names.end());
  std::set<std::string> out;
  const std::string_view bytes = bytes_;
  size_t start = 0;
  for (size_t i = 0; i < bytes_.size(); ++i) {
    const unsigned char c = bytes_[i];
    if (c == 0) {
      // Linkers merge a string into the tail of a longer one: every suffix may be a name.
      for (size_t k = std::max(start, i > kMaxName ? i - kMaxName : 0); k < i; ++k) {
        if (std::string_view s = bytes.substr(k, i - k); wanted.contains(s)) out.emplace(s);
      }
      start = i + 1;
    } else if (c < 0x20 || c > 0x7e) {
      start = i + 1;
    }
  }
  return out;
}

}  // namespace minpriv::imports
