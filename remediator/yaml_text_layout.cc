#include "remediator/yaml_text_layout.h"

#include <algorithm>
#include <string>

#include "remediator/yaml_text.h"

namespace minpriv::remediator {

absl::Status GiveUp(std::string_view why) {
  return absl::FailedPreconditionError(std::string(why));
}

YamlTextLayout::YamlTextLayout(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

absl::Status YamlTextLayout::CheckPlainText() const {
  for (size_t l = 0; l < line_starts_.size(); ++l) {
    size_t b = line_starts_[l];
    if (b < text_.size() && text_[b] == '%') return GiveUp("the file has a YAML directive");
    for (size_t i = b; i < LineEnd(l) && (text_[i] == ' ' || text_[i] == '\t'); ++i) {
      if (text_[i] == '\t') return GiveUp("a line is indented with a tab");
    }
  }
  if (text_.find('\r') != std::string_view::npos) return GiveUp("the file has CRLF line ends");
  return absl::OkStatus();
}

size_t YamlTextLayout::LineEnd(size_t line) const {
  if (line + 1 < line_starts_.size()) return line_starts_[line + 1] - 1;
  return text_.size();
}
size_t YamlTextLayout::LineOf(size_t pos) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), pos);
  return static_cast<size_t>(it - line_starts_.begin()) - 1;
}
size_t YamlTextLayout::Indent(size_t line) const {
  size_t i = line_starts_[line];
  while (i < LineEnd(line) && text_[i] == ' ') ++i;
  return i - line_starts_[line];
}
bool YamlTextLayout::BlankOrComment(size_t line) const {
  size_t i = line_starts_[line] + Indent(line);
  return i >= LineEnd(line) || text_[i] == '#';
}
bool YamlTextLayout::DocumentMarker(size_t line) const {
  std::string_view l = text_.substr(line_starts_[line], LineEnd(line) - line_starts_[line]);
  return (l.substr(0, 3) == "---" || l.substr(0, 3) == "...") &&
         (l.size() == 3 || l[3] == ' ');
}
size_t YamlTextLayout::AfterLine(size_t line) const {
  return LineEnd(line) < text_.size() ? LineEnd(line) + 1 : text_.size();
}
std::string YamlTextLayout::AtPosition(size_t pos, std::string text) const {
  if (pos == text_.size() && !text_.empty() && text_.back() != '\n') return "\n" + text;
  return text;
}

size_t YamlTextLayout::LastLine(size_t line, size_t col, bool indentless_value) const {
  size_t last = line;
  for (size_t l = line + 1; l < line_starts_.size(); ++l) {
    if (DocumentMarker(l)) break;
    if (BlankOrComment(l)) continue;
    size_t ind = Indent(l);
    size_t first = line_starts_[l] + ind;
    bool dash = text_[first] == '-' && (first + 1 >= LineEnd(l) || text_[first + 1] == ' ');
    if (ind > col || (indentless_value && ind == col && dash)) {
      last = l;
    } else {
      break;
    }
  }
  return last;
}

absl::StatusOr<Span> YamlTextLayout::ScalarSpan(const YAML::Node& n, bool key) const {
  YAML::Mark m = n.Mark();
  if (m.is_null() || static_cast<size_t>(m.pos) >= text_.size()) {
    return GiveUp("a scalar has no position");
  }
  size_t b = static_cast<size_t>(m.pos);
  size_t eol = LineEnd(static_cast<size_t>(m.line));
  size_t e = std::string_view::npos;
  char c = text_[b];
  if (c == '"') {
    for (size_t i = b + 1; i < eol; ++i) {
      if (text_[i] == '\\') {
        ++i;
      } else if (text_[i] == '"') {
        e = i + 1;
        break;
      }
    }
  } else if (c == '\'') {
    for (size_t i = b + 1; i < eol; ++i) {
      if (text_[i] != '\'') continue;
      if (i + 1 < eol && text_[i + 1] == '\'') {
        ++i;
      } else {
        e = i + 1;
        break;
      }
    }
  } else if (std::string_view("|>&!*%@`?[{").find(c) != std::string_view::npos) {
    return GiveUp("a scalar with an anchor, tag, alias or block style");
  } else {
    e = b;
    while (e < eol) {
      if (text_[e] == '#' && e > b && text_[e - 1] == ' ') break;
      if (key && text_[e] == ':' && (e + 1 >= eol || text_[e + 1] == ' ')) break;
      ++e;
    }
    while (e > b && text_[e - 1] == ' ') --e;
  }
  if (e == std::string_view::npos || e <= b) return GiveUp("a scalar spans several lines");
  if (!Reads(Span{b, e}, n)) return GiveUp("a scalar's text does not read back alone");
  return Span{b, e};
}

absl::StatusOr<Span> YamlTextLayout::FlowSpan(const YAML::Node& n) const {
  YAML::Mark m = n.Mark();
  if (m.is_null()) return GiveUp("a flow collection has no position");
  size_t b = static_cast<size_t>(m.pos);
  if (b >= text_.size() || (text_[b] != '[' && text_[b] != '{')) {
    return GiveUp("a flow collection does not start where expected");
  }
  int depth = 0;
  for (size_t i = b; i < text_.size(); ++i) {
    char c = text_[i];
    if (c == '"' || c == '\'') {
      for (++i; i < text_.size(); ++i) {
        if (c == '"' && text_[i] == '\\') {
          ++i;
        } else if (text_[i] == c) {
          if (c == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') {
            ++i;
          } else {
            break;
          }
        }
      }
    } else if (c == '#' && (text_[i - 1] == ' ' || text_[i - 1] == '\n')) {
      while (i < text_.size() && text_[i] != '\n') ++i;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth == 0) {
        Span s{b, i + 1};
        if (!Reads(s, n)) return GiveUp("a flow collection's text does not read back alone");
        return s;
      }
    }
  }
  return GiveUp("an unterminated flow collection");
}

bool YamlTextLayout::Reads(Span s, const YAML::Node& n) const {
  try {
    return SameYamlValue(YAML::Load(std::string(text_.substr(s.first, s.second - s.first))), n);
  } catch (const YAML::Exception&) {
    return false;
  }
}

absl::StatusOr<size_t> YamlTextLayout::AfterColon(Span key) const {
  size_t i = key.second;
  while (i < text_.size() && text_[i] == ' ') ++i;
  if (i >= text_.size() || text_[i] != ':') return GiveUp("a key is not followed by ':'");
  return i + 1;
}

absl::StatusOr<Span> YamlTextLayout::InlineSpan(const YAML::Node& value, size_t after_colon) const {
  if (value.IsNull()) {
    size_t i = after_colon;
    while (i < text_.size() && text_[i] == ' ') ++i;
    if (i >= text_.size() || text_[i] == '\n' || text_[i] == '#') {
      return Span{after_colon, after_colon};
    }
    size_t e = i;
    while (e < text_.size() && text_[e] != ' ' && text_[e] != '\n') ++e;
    if (!Reads(Span{i, e}, value)) return GiveUp("a null value's text does not read back");
    return Span{i, e};
  }
  if (value.IsScalar()) return ScalarSpan(value, /*key=*/false);
  if (value.Style() == YAML::EmitterStyle::Flow || value.size() == 0) return FlowSpan(value);
  return GiveUp("the value is a block collection");
}

}  // namespace minpriv::remediator
