#include "remediator/yaml_text.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "remediator/yaml_io.h"
#include "util/json_format.h"

namespace minpriv::remediator {
namespace {

using Span = std::pair<size_t, size_t>;  // [begin, end) in the text

absl::Status GiveUp(std::string_view why) {
  return absl::FailedPreconditionError(std::string(why));
}

// Equal as JSON, whatever the key order; numbers and other scalars compare as written.
bool SameJson(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b) {
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [key, value] : a.items()) {
      auto it = b.find(key);
      if (it == b.end() || !SameJson(value, *it)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameJson(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_structured() || b.is_structured()) return false;
  return util::DumpCompact(a) == util::DumpCompact(b);
}

// A mapping with a key twice (the reader keeps one of them: the text would not mean what it
// seems).
bool HasDuplicateKeys(const YAML::Node& n) {
  if (n.IsMap()) {
    std::vector<std::string> keys;
    for (const auto& kv : n) {
      if (kv.first.IsScalar()) keys.push_back(kv.first.Scalar());
      if (HasDuplicateKeys(kv.second)) return true;
    }
    std::sort(keys.begin(), keys.end());
    return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
  }
  if (n.IsSequence()) {
    for (const auto& item : n) {
      if (HasDuplicateKeys(item)) return true;
    }
  }
  return false;
}

bool IsBlockCollection(const YAML::Node& n) {
  return (n.IsMap() || n.IsSequence()) && n.size() > 0 && n.Style() != YAML::EmitterStyle::Flow;
}

YAML::Node FindValue(const YAML::Node& map, const std::string& key) {
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

struct Edit {
  size_t begin;
  size_t end;
  std::string text;
  int seq;
};

class Rewriter {
 public:
  explicit Rewriter(std::string_view text) : text_(text) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < text_.size(); ++i) {
      if (text_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  absl::Status CheckPlainText() const {
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

  // Sequences added under a key follow the document's own style ("key:\n- a" or "key:\n  - a").
  void LearnSequenceStyle(const YAML::Node& node) {
    if (style_known_) return;
    if (node.IsMap()) {
      for (const auto& kv : node) {
        const YAML::Node& v = kv.second;
        if (v.IsSequence() && IsBlockCollection(v) && !v.Mark().is_null() &&
            !kv.first.Mark().is_null()) {
          indentless_ = v.Mark().column == kv.first.Mark().column;
          style_known_ = true;
          return;
        }
        LearnSequenceStyle(v);
        if (style_known_) return;
      }
    } else if (node.IsSequence()) {
      for (const auto& item : node) {
        LearnSequenceStyle(item);
        if (style_known_) return;
      }
    }
  }

  absl::Status Document(const YAML::Node& original, const YAML::Node& target) {
    if (SameYamlValue(original, target)) return absl::OkStatus();
    // An anchor's text serves every alias of it: an edit made for one place would change
    // the others, or be made twice.
    if (HasSharedNodes(original)) return GiveUp("a changed document uses YAML anchors and aliases");
    if (!original.IsMap() || !IsBlockCollection(original) || !target.IsMap()) {
      return GiveUp("a changed document is not a block mapping");
    }
    return Map(original, target);
  }

  absl::StatusOr<std::string> Apply() {
    std::vector<Edit> edits = edits_;
    std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.seq < b.seq;
    });
    std::string out;
    size_t at = 0;
    for (const Edit& e : edits) {
      if (e.begin < at) return GiveUp("two edits overlap");
      out.append(text_.substr(at, e.begin - at));
      out += e.text;
      at = e.end;
    }
    out.append(text_.substr(at));
    return out;
  }

 private:
  size_t LineEnd(size_t line) const {
    if (line + 1 < line_starts_.size()) return line_starts_[line + 1] - 1;
    return text_.size();
  }
  size_t LineOf(size_t pos) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), pos);
    return static_cast<size_t>(it - line_starts_.begin()) - 1;
  }
  size_t Indent(size_t line) const {
    size_t i = line_starts_[line];
    while (i < LineEnd(line) && text_[i] == ' ') ++i;
    return i - line_starts_[line];
  }
  bool BlankOrComment(size_t line) const {
    size_t i = line_starts_[line] + Indent(line);
    return i >= LineEnd(line) || text_[i] == '#';
  }
  bool DocumentMarker(size_t line) const {
    std::string_view l = text_.substr(line_starts_[line], LineEnd(line) - line_starts_[line]);
    return (l.substr(0, 3) == "---" || l.substr(0, 3) == "...") &&
           (l.size() == 3 || l[3] == ' ');
  }
  // Where text inserted after `line` goes (the start of the next line).
  size_t AfterLine(size_t line) const {
    return LineEnd(line) < text_.size() ? LineEnd(line) + 1 : text_.size();
  }
  // Text inserted at the very end of a file that lacks a final newline needs one first.
  std::string AtPosition(size_t pos, std::string text) const {
    if (pos == text_.size() && !text_.empty() && text_.back() != '\n') return "\n" + text;
    return text;
  }

  void AddEdit(size_t begin, size_t end, std::string text) {
    edits_.push_back({begin, end, std::move(text), seq_++});
  }

  // The last line that belongs to a mapping entry or sequence item starting at `line` whose
  // key or dash is at column `col`: deeper lines, blank lines and comments in between, and,
  // for a key whose value is a sequence written at the key's own column, that sequence's items.
  size_t LastLine(size_t line, size_t col, bool indentless_value) const {
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

  absl::StatusOr<Span> ScalarSpan(const YAML::Node& n, bool key) const {
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

  absl::StatusOr<Span> FlowSpan(const YAML::Node& n) const {
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

  bool Reads(Span s, const YAML::Node& n) const {
    try {
      return SameYamlValue(YAML::Load(std::string(text_.substr(s.first, s.second - s.first))), n);
    } catch (const YAML::Exception&) {
      return false;
    }
  }

  // The position just after the ':' that follows a key.
  absl::StatusOr<size_t> AfterColon(Span key) const {
    size_t i = key.second;
    while (i < text_.size() && text_[i] == ' ') ++i;
    if (i >= text_.size() || text_[i] != ':') return GiveUp("a key is not followed by ':'");
    return i + 1;
  }

  // The text of a value written on its key's line (scalar, null, flow collection); for an
  // empty value, an empty span right after the colon.
  absl::StatusOr<Span> InlineSpan(const YAML::Node& value, size_t after_colon) const {
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

  // A value on one line: a scalar, or a collection in flow style.
  static absl::StatusOr<std::string> Inline(const YAML::Node& n) {
    YAML::Node copy = YAML::Clone(n);
    if (copy.IsMap() || copy.IsSequence()) copy.SetStyle(YAML::EmitterStyle::Flow);
    std::string s = EmitYaml(copy);
    while (!s.empty() && s.back() == '\n') s.pop_back();
    if (s.find('\n') != std::string::npos) return GiveUp("a new value needs several lines");
    return s;
  }
  static bool WrittenInline(const YAML::Node& n) {
    return !(n.IsMap() || n.IsSequence()) || n.size() == 0 ||
           n.Style() == YAML::EmitterStyle::Flow;
  }

  // "key: value\n" (or "key:\n" and a block) at column `col`.
  absl::StatusOr<std::string> EntryText(const YAML::Node& key, const YAML::Node& value,
                                        size_t col) const {
    if (!key.IsScalar()) return GiveUp("a new key is not a scalar");
    auto k = Inline(key);
    if (!k.ok()) return k.status();
    auto v = ValueText(value, col);
    if (!v.ok()) return v.status();
    return absl::StrCat(std::string(col, ' '), *k, ":", *v);
  }
  // What follows "key:" for a value under a key at column `col`.
  absl::StatusOr<std::string> ValueText(const YAML::Node& value, size_t col) const {
    if (WrittenInline(value)) {
      auto v = Inline(value);
      if (!v.ok()) return v.status();
      return absl::StrCat(" ", *v, "\n");
    }
    return BlockText(value, col);
  }
  // A non-empty collection as a block under a key at column `col`, whatever its style.
  absl::StatusOr<std::string> BlockText(const YAML::Node& value, size_t col) const {
    std::string out = "\n";
    if (value.IsMap()) {
      for (const auto& kv : value) {
        auto e = EntryText(kv.first, kv.second, col + 2);
        if (!e.ok()) return e.status();
        out += *e;
      }
    } else {
      for (const auto& item : value) {
        auto i = ItemText(item, indentless_ ? col : col + 2);
        if (!i.ok()) return i.status();
        out += *i;
      }
    }
    return out;
  }
  // "- item\n" with the dash at column `dash`.
  absl::StatusOr<std::string> ItemText(const YAML::Node& item, size_t dash) const {
    if (WrittenInline(item)) {
      auto v = Inline(item);
      if (!v.ok()) return v.status();
      return absl::StrCat(std::string(dash, ' '), "- ", *v, "\n");
    }
    if (!item.IsMap()) return GiveUp("a new item is a nested block sequence");
    std::string out;
    for (const auto& kv : item) {
      auto e = EntryText(kv.first, kv.second, dash + 2);
      if (!e.ok()) return e.status();
      out += *e;
    }
    out.replace(0, dash + 2, std::string(dash, ' ') + "- ");
    return out;
  }

  absl::Status Map(const YAML::Node& o, const YAML::Node& t) {
    size_t col = static_cast<size_t>(o.Mark().column);
    size_t kept = 0;
    size_t end_line = 0;
    for (const auto& kv : o) {
      if (!kv.first.IsScalar()) return GiveUp("a mapping has a non-scalar key");
      auto key = ScalarSpan(kv.first, /*key=*/true);
      if (!key.ok()) return key.status();
      if (static_cast<size_t>(kv.first.Mark().column) != col) {
        return GiveUp("a mapping's keys are not aligned");
      }
      size_t key_line = static_cast<size_t>(kv.first.Mark().line);
      const YAML::Node& ov = kv.second;
      bool indentless = ov.IsSequence() && IsBlockCollection(ov) && !ov.Mark().is_null() &&
                        static_cast<size_t>(ov.Mark().column) == col;
      size_t last = LastLine(key_line, col, indentless);
      end_line = std::max(end_line, last);
      YAML::Node tv = FindValue(t, kv.first.Scalar());
      if (!tv.IsDefined()) {
        if (Indent(key_line) != col || line_starts_[key_line] + col != key->first) {
          return GiveUp("a removed key shares its line with a sequence dash");
        }
        AddEdit(line_starts_[key_line], AfterLine(last), "");
        continue;
      }
      ++kept;
      if (SameYamlValue(ov, tv)) continue;
      absl::Status s = Value(*key, ov, tv, col, last);
      if (!s.ok()) return s;
    }
    std::string added;
    for (const auto& kv : t) {
      if (!kv.first.IsScalar()) return GiveUp("a new key is not a scalar");
      if (FindValue(o, kv.first.Scalar()).IsDefined()) continue;
      auto e = EntryText(kv.first, kv.second, col);
      if (!e.ok()) return e.status();
      added += *e;
    }
    if (kept == 0 && added.empty()) return GiveUp("every key of a mapping is removed");
    if (!added.empty()) {
      size_t at = AfterLine(end_line);
      AddEdit(at, at, AtPosition(at, added));
    }
    return absl::OkStatus();
  }

  // The value of the key at `key` (column `col`, its entry ending on line `last`) changes
  // from `ov` to `tv`.
  absl::Status Value(Span key, const YAML::Node& ov, const YAML::Node& tv, size_t col,
                     size_t last) {
    if (IsBlockCollection(ov)) {
      if (ov.IsMap() && tv.IsMap() && tv.size() > 0) return Map(ov, tv);
      if (ov.IsSequence() && tv.IsSequence() && tv.size() > 0) return Sequence(ov, tv);
      return GiveUp("a block value changes kind or becomes empty");
    }
    auto colon = AfterColon(key);
    if (!colon.ok()) return colon.status();
    auto span = InlineSpan(ov, *colon);
    if (!span.ok()) return span.status();
    bool was_flow_collection = (ov.IsMap() || ov.IsSequence()) && ov.size() > 0;
    bool collection = (tv.IsMap() || tv.IsSequence()) && tv.size() > 0;
    if (WrittenInline(tv) || was_flow_collection) {
      // Keeps a flow collection in flow style when it still fits on a line.
      auto v = Inline(tv);
      if (v.ok() && (v->size() <= 100 || !collection)) {
        std::string text = span->first == span->second ? " " + *v : *v;
        AddEdit(span->first, span->second, text);
        return absl::OkStatus();
      }
      if (!collection) return v.status();
    }
    // An inline value becomes a block under its key: the old text goes, the block follows
    // the key's line (a comment after the value stays on that line).
    auto block = BlockText(tv, col);
    if (!block.ok()) return block.status();
    size_t value_last_line = LineOf(span->second == 0 ? 0 : span->second - 1);
    if (value_last_line != LineOf(*colon) || last != value_last_line) {
      return GiveUp("an inline value spans several lines");
    }
    AddEdit(*colon, span->second, "");
    size_t at = AfterLine(value_last_line);
    AddEdit(at, at, AtPosition(at, block->substr(1)));  // without the leading newline
    return absl::OkStatus();
  }

  absl::Status Sequence(const YAML::Node& o, const YAML::Node& t) {
    YAML::Mark m = o.Mark();
    size_t dash = static_cast<size_t>(m.column);
    if (static_cast<size_t>(m.pos) >= text_.size() || text_[m.pos] != '-') {
      return GiveUp("a block sequence does not start with a dash");
    }
    std::vector<size_t> item_lines;
    size_t end_line = 0;
    for (size_t i = 0; i < o.size(); ++i) {
      const YAML::Node& oi = o[i];
      YAML::Mark im = oi.Mark();
      if (im.is_null()) return GiveUp("a sequence item has no position");
      // The item's dash: the last '-' before the item's text on its line.
      size_t line = static_cast<size_t>(im.line);
      size_t p = static_cast<size_t>(im.pos);
      while (p > line_starts_[line] && text_[p - 1] == ' ') --p;
      if (p == line_starts_[line] || text_[p - 1] != '-' || p - 1 - line_starts_[line] != dash) {
        return GiveUp("a sequence item's dash is not where expected");
      }
      size_t last = LastLine(line, dash, false);
      end_line = std::max(end_line, last);
      item_lines.push_back(line);
      if (i >= t.size()) {
        if (Indent(line) != dash) return GiveUp("a removed item shares its line");
        AddEdit(line_starts_[line], AfterLine(last), "");
        continue;
      }
      const YAML::Node& ti = t[i];
      if (SameYamlValue(oi, ti)) continue;
      if (IsBlockCollection(oi)) {
        if (oi.IsMap() && ti.IsMap() && ti.size() > 0) {
          absl::Status s = Map(oi, ti);
          if (!s.ok()) return s;
          continue;
        }
        return GiveUp("a block sequence item changes kind");
      }
      if (!WrittenInline(ti)) return GiveUp("an inline item becomes a block");
      absl::StatusOr<Span> span =
          oi.IsScalar() ? ScalarSpan(oi, /*key=*/false) : FlowSpan(oi);
      if (!span.ok()) return span.status();
      auto v = Inline(ti);
      if (!v.ok()) return v.status();
      AddEdit(span->first, span->second, *v);
    }
    if (t.size() <= o.size()) {
      if (t.size() == 0) return GiveUp("a sequence becomes empty");
      return absl::OkStatus();
    }
    std::string added;
    for (size_t i = o.size(); i < t.size(); ++i) {
      auto item = ItemText(t[i], dash);
      if (!item.ok()) return item.status();
      added += *item;
    }
    size_t at = AfterLine(end_line);
    AddEdit(at, at, AtPosition(at, added));
    return absl::OkStatus();
  }

  std::string_view text_;
  std::vector<size_t> line_starts_;
  std::vector<Edit> edits_;
  int seq_ = 0;
  bool indentless_ = false;
  bool style_known_ = false;
};

}  // namespace

bool SameYamlValue(const YAML::Node& a, const YAML::Node& b) {
  return SameJson(YamlToJson(a), YamlToJson(b));
}

absl::StatusOr<std::string> RewriteYamlText(std::string_view text,
                                            const std::vector<YAML::Node>& originals,
                                            const std::vector<YAML::Node>& targets) {
  if (originals.size() != targets.size()) {
    return absl::InvalidArgumentError("originals and targets differ in number");
  }
  Rewriter rewriter(text);
  bool changed = false;
  for (size_t i = 0; i < originals.size(); ++i) {
    if (!SameYamlValue(originals[i], targets[i])) changed = true;
  }
  if (!changed) return std::string(text);
  if (absl::Status s = rewriter.CheckPlainText(); !s.ok()) return s;
  for (size_t i = 0; i < originals.size(); ++i) {
    rewriter.LearnSequenceStyle(originals[i]);
  }
  try {
    for (size_t i = 0; i < originals.size(); ++i) {
      absl::Status s = rewriter.Document(originals[i], targets[i]);
      if (!s.ok()) return s;
    }
  } catch (const YAML::Exception& e) {
    return GiveUp(absl::StrCat("yaml-cpp: ", e.what()));
  }
  auto out = rewriter.Apply();
  if (!out.ok()) return out.status();
  // The safety net: the edited text must mean exactly the narrowed documents.
  std::vector<YAML::Node> reread;
  try {
    for (const YAML::Node& n : YAML::LoadAll(*out)) {
      if (n.IsDefined() && !n.IsNull()) reread.push_back(n);
    }
  } catch (const YAML::Exception& e) {
    return GiveUp(absl::StrCat("the edited text does not parse: ", e.what()));
  }
  if (reread.size() != targets.size()) return GiveUp("the edited text has other documents");
  for (size_t i = 0; i < targets.size(); ++i) {
    if (HasDuplicateKeys(reread[i])) return GiveUp("the edited text has a key twice");
    if (!SameYamlValue(reread[i], targets[i])) {
      return GiveUp("the edited text does not read back as the narrowed document");
    }
  }
  return out;
}

}  // namespace minpriv::remediator
