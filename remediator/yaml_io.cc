#include "remediator/yaml_io.h"

#include "crd/yaml_input.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "re2/re2.h"
#include "util/json_format.h"

namespace minpriv::remediator {
namespace {

constexpr char kStringTag[] = "!";

bool IsStrTag(const std::string& tag) {
  return tag == kStringTag || tag == "tag:yaml.org,2002:str";
}

// Literal block style keeps multi-line text readable; only used when the text round-trips
// exactly through "|" (clip chomping: exactly one trailing newline, no leading blank).
bool LiteralSafe(const std::string& v) {
  if (v.size() < 2 || v.back() != '\n' || v[v.size() - 2] == '\n') return false;
  if (v.front() == ' ' || v.front() == '\n' || v.front() == '\t') return false;
  for (unsigned char c : v) {
    if (c < 0x20 && c != '\n') return false;
    if (c == 0x7f) return false;
  }
  return true;
}

void EmitScalar(YAML::Emitter& out, const YAML::Node& node) {
  const std::string& value = node.Scalar();
  const std::string& tag = node.Tag();
  if (IsStrTag(tag)) {
    if (value.find('\n') != std::string::npos && LiteralSafe(value)) {
      // yaml-cpp writes "|" and the text; the clip chomping of "|" restores the final
      // newline, so it is left out here (otherwise a blank line would follow the block).
      out << YAML::Literal << value.substr(0, value.size() - 1);
    } else if (value.empty() || LooksNonString(value)) {
      out << YAML::DoubleQuoted << value;
    } else if ((value.front() == '{' || value.front() == '[') &&
               value.find_first_of("'\n\t") == std::string::npos) {
      out << YAML::SingleQuoted << value;  // embedded JSON stays readable
    } else {
      out << value;
    }
    return;
  }
  if (!tag.empty() && tag != "?") {
    out << YAML::VerbatimTag(tag);
  }
  if (value.empty()) {
    out << YAML::Null;
    return;
  }
  out << value;
}

void EmitNode(YAML::Emitter& out, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out << YAML::Null;
      return;
    case YAML::NodeType::Scalar:
      EmitScalar(out, node);
      return;
    case YAML::NodeType::Sequence:
      if (node.Style() == YAML::EmitterStyle::Flow || node.size() == 0) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : node) EmitNode(out, item);
      out << YAML::EndSeq;
      return;
    case YAML::NodeType::Map:
      if (node.Style() == YAML::EmitterStyle::Flow || node.size() == 0) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& kv : node) {
        out << YAML::Key;
        EmitNode(out, kv.first);
        out << YAML::Value;
        EmitNode(out, kv.second);
      }
      out << YAML::EndMap;
      return;
  }
}

}  // namespace

absl::StatusOr<std::vector<YamlDocument>> ParseYamlDocuments(std::string_view text,
                                                             std::string_view source) {
  absl::StatusOr<std::vector<YAML::Node>> nodes = crd::LoadYamlDocuments(text, source, "manifest");
  if (!nodes.ok()) return nodes.status();
  std::vector<YamlDocument> docs;
  for (size_t i = 0; i < nodes->size(); ++i) {
    if ((*nodes)[i].IsNull() || !(*nodes)[i].IsDefined()) continue;
    YamlDocument doc;
    doc.node = (*nodes)[i];
    doc.source = std::string(source);
    doc.index = static_cast<int>(i);
    YAML::Mark mark = (*nodes)[i].Mark();
    doc.line = mark.is_null() ? 0 : mark.line + 1;
    doc.column = mark.is_null() ? 0 : mark.column + 1;
    docs.push_back(std::move(doc));
  }
  return docs;
}

std::string Where(const std::string& source, const YAML::Node& node) {
  if (!node.IsDefined()) return source;
  YAML::Mark mark = node.Mark();
  if (mark.is_null()) return source;
  return absl::StrCat(source, ":", mark.line + 1, ":", mark.column + 1);
}

YAML::Node Str(std::string_view value) {
  YAML::Node n(std::string{value});
  n.SetTag(kStringTag);
  return n;
}
YAML::Node Plain(std::string_view value) { return YAML::Node(std::string{value}); }
YAML::Node Int(int64_t value) { return YAML::Node(std::to_string(value)); }
YAML::Node Bool(bool value) { return YAML::Node(value ? "true" : "false"); }
YAML::Node NewMap() { return YAML::Node(YAML::NodeType::Map); }
YAML::Node NewSeq() { return YAML::Node(YAML::NodeType::Sequence); }
YAML::Node FlowSeq() {
  YAML::Node n(YAML::NodeType::Sequence);
  n.SetStyle(YAML::EmitterStyle::Flow);
  return n;
}

bool LooksNonString(std::string_view text) {
  static const RE2* const kNonString = new RE2(
      "~|null|Null|NULL"
      "|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
      "|[-+]?[0-9][0-9_]*"
      "|[-+]?0x[0-9a-fA-F_]+|[-+]?0o[0-7_]+|[-+]?0b[01_]+"
      "|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?"
      "|[-+]?(\\.[0-9]+|[0-9][0-9_]*(\\.[0-9_]*)?)([eE][-+]?[0-9]+)?"
      "|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)"
      "|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?.*");
  return RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *kNonString);
}

bool IsStringScalar(const YAML::Node& node) {
  if (!node.IsScalar()) return false;
  if (IsStrTag(node.Tag())) return true;
  return !LooksNonString(node.Scalar()) && !node.Scalar().empty();
}

YAML::Node DeepCopy(const YAML::Node& node) {
  YAML::Node out;
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
      return YAML::Node(YAML::NodeType::Undefined);
    case YAML::NodeType::Null:
      out = YAML::Node(YAML::NodeType::Null);
      break;
    case YAML::NodeType::Scalar:
      out = YAML::Node(node.Scalar());
      break;
    case YAML::NodeType::Sequence:
      out = YAML::Node(YAML::NodeType::Sequence);
      for (const auto& item : node) out.push_back(DeepCopy(item));
      break;
    case YAML::NodeType::Map:
      out = YAML::Node(YAML::NodeType::Map);
      for (const auto& kv : node) out.force_insert(DeepCopy(kv.first), DeepCopy(kv.second));
      break;
  }
  if (!node.Tag().empty()) out.SetTag(node.Tag());
  out.SetStyle(node.Style());
  return out;
}

namespace {
void Collections(const YAML::Node& node, std::vector<YAML::Node>& out) {
  if (node.IsMap()) {
    out.push_back(node);
    for (const auto& kv : node) Collections(kv.second, out);
  } else if (node.IsSequence()) {
    out.push_back(node);
    for (const auto& item : node) Collections(item, out);
  } else if (node.IsScalar()) {
    out.push_back(node);
  }
}
}  // namespace

bool HasSharedNodes(const YAML::Node& node) {
  std::vector<YAML::Node> all;
  Collections(node, all);
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = i + 1; j < all.size(); ++j) {
      if (all[i].is(all[j])) return true;
    }
  }
  return false;
}

std::string EmitYaml(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetIndent(2);
  EmitNode(out, node);
  std::string s = out.c_str();
  if (s.empty() || s.back() != '\n') s.push_back('\n');
  return s;
}

std::string EmitYamlDocuments(const std::vector<YAML::Node>& nodes) {
  std::string out;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i > 0) out += "---\n";
    out += EmitYaml(nodes[i]);
  }
  return out;
}

namespace {

// A JSON number that is written back with exactly this text: an integer or a double when
// that prints the same, else the text itself ("1.50", "1e3", "-0", beyond 64 bits).
nlohmann::ordered_json NumberWithText(const std::string& v) {
  int64_t i;
  if (absl::SimpleAtoi(v, &i) && absl::StrCat(i) == v) return i;
  uint64_t u;
  if (absl::SimpleAtoi(v, &u) && absl::StrCat(u) == v) return u;
  nlohmann::ordered_json d = std::strtod(v.c_str(), nullptr);
  if (util::DumpCompact(d) == v) return d;
  return util::RawNumber(v);
}

}  // namespace

nlohmann::ordered_json YamlToJson(const YAML::Node& node) {
  using nlohmann::ordered_json;
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return ordered_json();
    case YAML::NodeType::Sequence: {
      ordered_json arr = ordered_json::array();
      for (const auto& item : node) arr.push_back(YamlToJson(item));
      return arr;
    }
    case YAML::NodeType::Map: {
      ordered_json obj = ordered_json::object();
      for (const auto& kv : node) obj[kv.first.Scalar()] = YamlToJson(kv.second);
      return obj;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string& v = node.Scalar();
  if (IsStrTag(node.Tag())) return v;
  static const RE2* const kNull = new RE2("~|null|Null|NULL|");
  static const RE2* const kTrue = new RE2("y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON");
  static const RE2* const kFalse = new RE2("n|N|no|No|NO|false|False|FALSE|off|Off|OFF");
  static const RE2* const kInt = new RE2("-?(0|[1-9][0-9]*)");
  static const RE2* const kFloat =
      new RE2("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?");
  static const RE2* const kOtherInt = new RE2("[-+]?(0x[0-9a-fA-F]+|0o?[0-7]+|[0-9]+)");
  if (RE2::FullMatch(v, *kNull)) return nullptr;
  if (RE2::FullMatch(v, *kTrue)) return true;
  if (RE2::FullMatch(v, *kFalse)) return false;
  if (RE2::FullMatch(v, *kInt) || RE2::FullMatch(v, *kFloat)) return NumberWithText(v);
  if (RE2::FullMatch(v, *kOtherInt)) {
    std::string digits = v;
    int base = 10;
    size_t start = (digits[0] == '+' || digits[0] == '-') ? 1 : 0;
    if (digits.compare(start, 2, "0x") == 0) {
      base = 16;
    } else if (digits.compare(start, 2, "0o") == 0) {
      digits.erase(start, 2);
      base = 8;
    } else if (digits.size() > start + 1 && digits[start] == '0') {
      base = 8;
    }
    long long n = std::strtoll(digits.c_str(), nullptr, base);
    return static_cast<int64_t>(n);
  }
  return v;
}

bool NodesEqual(const YAML::Node& a, const YAML::Node& b) {
  return util::DumpCompact(YamlToJson(a), /*sort_keys=*/true) ==
         util::DumpCompact(YamlToJson(b), /*sort_keys=*/true);
}

}  // namespace minpriv::remediator
