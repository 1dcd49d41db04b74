// Parsing and lookup of the libc → syscalls table, with the name normalisations that turn
// fortify, LFS and internal aliases into the function they stand for.
#include "imports/libc_syscalls.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <tuple>
#include <deque>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "util/syscalls.h"

namespace minpriv::imports {
namespace {

constexpr int kMaxGroupDepth = 8;

absl::Status Expand(const std::map<std::string, std::vector<std::string>>& groups,
                    const std::vector<std::string>& tokens, int depth, std::set<std::string>& out) {
  if (depth > kMaxGroupDepth) return absl::InvalidArgumentError("groups nest too deep (a cycle?)");
  for (const std::string& t : tokens) {
    if (t == "-") continue;
    if (t[0] == '@') {
      auto it = groups.find(t);
      if (it == groups.end()) return absl::InvalidArgumentError(absl::StrCat("unknown group ", t));
      if (auto s = Expand(groups, it->second, depth + 1, out); !s.ok()) return s;
      continue;
    }
    if (!util::SyscallNumber(t)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown x86_64 system call ", t));
    }
    out.insert(t);
  }
  return absl::OkStatus();
}

// Names an imported symbol may stand for, most specific first: "__open64_2" →
// "open64_2", "open64" → "open"; "pwritev64v2" → "pwritev2".
std::vector<std::string> Candidates(absl::string_view name) {
  std::vector<std::string> out;
  std::deque<std::string> queue = {std::string(name)};
  while (!queue.empty() && out.size() < 32) {
    std::string n = std::move(queue.front());
    queue.pop_front();
    if (n.empty() || std::find(out.begin(), out.end(), n) != out.end()) continue;
    out.push_back(n);
    absl::string_view v = n;
    auto push = [&](absl::string_view s) { queue.emplace_back(s); };
    for (absl::string_view prefix : {"__isoc99_", "__isoc23_", "__libc_", "__xpg_"}) {
      if (absl::StartsWith(v, prefix)) push(v.substr(prefix.size()));
    }
    if (absl::StartsWith(v, "__") && absl::EndsWith(v, "_chk")) push(v.substr(2, v.size() - 6));
    if (absl::StartsWith(v, "__") && absl::EndsWith(v, "_2")) push(v.substr(2, v.size() - 4));
    if (absl::StartsWith(v, "__")) push(v.substr(2));
    if (absl::EndsWith(v, "64v2")) push(absl::StrCat(v.substr(0, v.size() - 4), "2"));
    for (absl::string_view suffix : {"64", "_unlocked", "_r", "_l"}) {
      if (absl::EndsWith(v, suffix) && v.size() > suffix.size()) push(v.substr(0, v.size() - suffix.size()));
    }
  }
  return out;
}

}  // namespace

absl::string_view LibcFlavourName(LibcFlavour flavour) {
  switch (flavour) {
    case LibcFlavour::kGlibc: return "glibc";
    case LibcFlavour::kMusl: return "musl";
    default: return "unknown";
  }
}

absl::StatusOr<LibcSyscallTable> LibcSyscallTable::Parse(absl::string_view text) {
  std::map<std::string, std::vector<std::string>> groups;
  std::vector<std::pair<int, std::pair<std::string, std::vector<std::string>>>> lines;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return absl::InvalidArgumentError(absl::StrCat("table line ", number, ": no `NAME:`"));
    }
    std::string name(line.substr(0, colon));
    std::vector<std::string> tokens =
        absl::StrSplit(line.substr(colon + 1), ' ', absl::SkipWhitespace());
    if (tokens.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("table line ", number, ": no system calls (use -)"));
    }
    if (name[0] == '@') {
      if (!groups.emplace(name, tokens).second) {
        return absl::InvalidArgumentError(absl::StrCat("table line ", number, ": group ", name, " twice"));
      }
      continue;
    }
    lines.push_back({number, {name, tokens}});
  }
  LibcSyscallTable table;
  for (auto& [n, entry] : lines) {
    std::set<std::string> syscalls;
    if (auto s = Expand(groups, entry.second, 0, syscalls); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("table line ", n, ": ", s.message()));
    }
    std::vector<std::string> parts = absl::StrSplit(entry.first, '/');
    if (parts.size() > 2 || (parts.size() == 2 && parts[1] != "glibc" && parts[1] != "musl")) {
      return absl::InvalidArgumentError(absl::StrCat("table line ", n, ": bad flavour in ", entry.first));
    }
    Entry e{.name = parts[0], .flavour = parts.size() == 2 ? parts[1] : "",
            .syscalls = {syscalls.begin(), syscalls.end()}};
    if (!table.entries_.empty()) {
      const Entry& prev = table.entries_.back();
      if (std::tie(prev.name, prev.flavour) >= std::tie(e.name, e.flavour)) {
        return absl::InvalidArgumentError(
            absl::StrCat("table line ", n, ": ", entry.first, " is out of order or repeated"));
      }
    }
    table.entries_.push_back(std::move(e));
  }
  return table;
}

const LibcSyscallTable& LibcSyscallTable::Get() {
  static const LibcSyscallTable* table = [] {
    auto parsed = Parse(LibcSyscallTableText());
    if (!parsed.ok()) {
      // The table is compiled in and tested: failing here is a build defect.
      std::fprintf(stderr, "minpriv: libc syscall table: %s\n", std::string(parsed.status().message()).c_str());
      std::abort();
    }
    return new LibcSyscallTable(*std::move(parsed));
  }();
  return *table;
}

const LibcSyscallTable::Entry* LibcSyscallTable::Find(absl::string_view name,
                                                      LibcFlavour flavour) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                             [](const Entry& e, absl::string_view n) { return e.name < n; });
  const Entry* shared = nullptr;
  const Entry* specific = nullptr;
  for (; it != entries_.end() && it->name == name; ++it) {
    if (it->flavour.empty()) shared = &*it;
    if (it->flavour == LibcFlavourName(flavour)) specific = &*it;
  }
  return specific != nullptr ? specific : shared;
}

std::optional<LibcMapping> LibcSyscallTable::Lookup(absl::string_view function,
                                                    LibcFlavour flavour) const {
  for (const std::string& candidate : Candidates(function)) {
    if (flavour == LibcFlavour::kUnknown) {  // both flavours' lines
      const Entry* g = Find(candidate, LibcFlavour::kGlibc);
      const Entry* m = Find(candidate, LibcFlavour::kMusl);
      if (g != nullptr || m != nullptr) {
        std::set<std::string> all;
        for (const Entry* e : {g, m}) {
          if (e != nullptr) all.insert(e->syscalls.begin(), e->syscalls.end());
        }
        return LibcMapping{candidate, {all.begin(), all.end()}};
      }
    } else if (const Entry* e = Find(candidate, flavour)) {
      return LibcMapping{candidate, e->syscalls};
    }
    // A direct wrapper: the function bears its system call's name.
    if (!absl::StartsWith(candidate, "_") && util::SyscallNumber(candidate)) {
      return LibcMapping{candidate, {candidate}};
    }
  }
  return std::nullopt;
}

}  // namespace minpriv::imports
