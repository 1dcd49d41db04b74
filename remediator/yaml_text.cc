#include "remediator/yaml_text.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "remediator/yaml_io.h"
#include "remediator/yaml_text_layout.h"
#include "util/json_format.h"

namespace minpriv::remediator {
namespace {

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

class Rewriter : private YamlTextLayout {
 public:
  explicit Rewriter(std::string_view text) : YamlTextLayout(text) {}
  using YamlTextLayout::CheckPlainText;

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
  void AddEdit(size_t begin, size_t end, std::string text) {
    edits_.push_back({begin, end, std::move(text), seq_++});
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
