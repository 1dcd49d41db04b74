#include "util/json_parse.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace minpriv::util {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpace(std::string_view t, size_t pos) {
  while (pos < t.size() && IsSpace(t[pos])) ++pos;
  return pos;
}

// pos at the opening quote; returns the position after the closing one.
size_t SkipString(std::string_view t, size_t pos) {
  for (++pos; pos < t.size(); ++pos) {
    if (t[pos] == '\\') {
      ++pos;
    } else if (t[pos] == '"') {
      return pos + 1;
    }
  }
  return t.size();
}

// pos at the first character of a value; returns the position after it.
size_t SkipValue(std::string_view t, size_t pos) {
  if (pos >= t.size()) return pos;
  if (t[pos] == '"') return SkipString(t, pos);
  if (t[pos] == '{' || t[pos] == '[') {
    int depth = 0;
    while (pos < t.size()) {
      char c = t[pos];
      if (c == '"') {
        pos = SkipString(t, pos);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') --depth;
      ++pos;
      if (depth == 0) return pos;
    }
    return pos;
  }
  while (pos < t.size() && !IsSpace(t[pos]) && t[pos] != ',' && t[pos] != ']' && t[pos] != '}') {
    ++pos;
  }
  return pos;
}

std::optional<size_t> Locate(std::string_view t, size_t pos, const std::vector<std::string>& path,
                             size_t depth) {
  pos = SkipSpace(t, pos);
  if (depth == path.size()) return pos < t.size() ? std::optional<size_t>(pos) : std::nullopt;
  if (pos >= t.size()) return std::nullopt;
  const std::string& token = path[depth];
  if (t[pos] == '{') {
    std::optional<size_t> found;
    pos = SkipSpace(t, pos + 1);
    while (pos < t.size() && t[pos] == '"') {
      size_t key_end = SkipString(t, pos);
      auto key = nlohmann::json::parse(t.substr(pos, key_end - pos), nullptr, false);
      pos = SkipSpace(t, key_end);
      if (pos >= t.size() || t[pos] != ':') return found;
      pos = SkipSpace(t, pos + 1);
      if (key.is_string() && key.get_ref<const std::string&>() == token) {
        found = Locate(t, pos, path, depth + 1);  // the last of duplicate keys wins
      }
      pos = SkipSpace(t, SkipValue(t, pos));
      if (pos >= t.size() || t[pos] != ',') break;
      pos = SkipSpace(t, pos + 1);
    }
    return found;
  }
  if (t[pos] == '[') {
    size_t index = 0;
    if (!absl::SimpleAtoi(token, &index)) return std::nullopt;
    pos = SkipSpace(t, pos + 1);
    for (size_t i = 0; pos < t.size() && t[pos] != ']'; ++i) {
      if (i == index) return Locate(t, pos, path, depth + 1);
      pos = SkipSpace(t, SkipValue(t, pos));
      if (pos >= t.size() || t[pos] != ',') break;
      pos = SkipSpace(t, pos + 1);
    }
  }
  return std::nullopt;
}

}  // namespace

std::string LineColumn(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  std::string_view before = text.substr(0, offset);
  size_t line = 1 + std::count(before.begin(), before.end(), '\n');
  size_t last_newline = before.rfind('\n');
  size_t column = last_newline == std::string_view::npos ? offset + 1 : offset - last_newline;
  return absl::StrCat(line, ":", column);
}

absl::StatusOr<nlohmann::json> ParseJson(std::string_view text, std::string_view source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte counts the characters read, the offending one included.
    size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    std::string_view reason = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: REASON"
    if (size_t colon = reason.find(": "); colon != std::string_view::npos) {
      reason.remove_prefix(colon + 2);
    }
    return absl::InvalidArgumentError(absl::StrCat(std::string(source), ":",
                                                   LineColumn(text, offset), ": invalid JSON: ",
                                                   std::string(reason)));
  }
}

std::string JsonWhere(std::string_view text, std::string_view source,
                      const nlohmann::json::json_pointer& pointer) {
  std::vector<std::string> path;
  std::string p = pointer.to_string();
  if (!p.empty()) {
    for (absl::string_view token : absl::StrSplit(p.substr(1), '/')) {
      path.push_back(absl::StrReplaceAll(token, {{"~1", "/"}, {"~0", "~"}}));
    }
  }
  std::optional<size_t> offset = Locate(text, 0, path, 0);
  if (!offset) return std::string(source);
  return absl::StrCat(std::string(source), ":", LineColumn(text, *offset));
}

}  // namespace minpriv::util
