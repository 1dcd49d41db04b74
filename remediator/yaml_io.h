// YAML/JSON adapter for the remediator: parses multi-document manifests with positions,
// emits YAML that keeps the meaning of every scalar (quoted strings stay strings), and a
// small JSON document type with a deterministic pretty printer. yaml-cpp exceptions never
// leave this file. Comments in input manifests are not preserved (yaml-cpp drops them).
#ifndef MINPRIV_REMEDIATOR_YAML_IO_H_
#define MINPRIV_REMEDIATOR_YAML_IO_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::remediator {

struct YamlDocument {
  YAML::Node node;
  std::string source;  // file name for messages
  int index = 0;       // 0-based document index in the file
  int line = 0;        // 1-based position of the document's first node
  int column = 0;
};

// Every document of a multi-document stream (empty documents skipped). Syntax errors:
// InvalidArgument "SOURCE:LINE:COLUMN: ...".
absl::StatusOr<std::vector<YamlDocument>> ParseYamlDocuments(std::string_view text,
                                                             std::string_view source);

// "SOURCE:LINE:COLUMN" of a node (1-based), or just SOURCE when the node has no mark.
std::string Where(const std::string& source, const YAML::Node& node);

// A string scalar node (always emitted as a string, quoted when it would read as another type).
YAML::Node Str(std::string_view value);
// A plain (untagged) scalar: numbers and booleans.
YAML::Node Plain(std::string_view value);
YAML::Node Int(int64_t value);
YAML::Node Bool(bool value);
YAML::Node NewMap();
YAML::Node NewSeq();
YAML::Node FlowSeq();  // emitted as [a, b]

// Whether a plain scalar with this text would be read by Kubernetes' YAML decoder as
// something other than a string (null, bool, number, timestamp).
bool LooksNonString(std::string_view text);
// Whether the scalar node is a string (quoted in the source, created with Str(), or a plain
// scalar that does not look like another type).
bool IsStringScalar(const YAML::Node& node);

// Emits one document (no leading "---"), ending with a newline.
std::string EmitYaml(const YAML::Node& node);
// Documents joined by "---" lines.
std::string EmitYamlDocuments(const std::vector<YAML::Node>& nodes);

// Minimal JSON document model with insertion-ordered objects (callers insert in the order
// they want printed, usually sorted).
class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Json() = default;
  static Json Null() { return Json(); }
  static Json Bool(bool b);
  static Json Number(int64_t n);
  static Json RawNumber(std::string text);
  static Json String(std::string s);
  static Json Array();
  static Json Object();
  static Json StringArray(const std::vector<std::string>& items);

  Type type() const { return type_; }
  Json& Set(std::string key, Json value);  // object: appends (or replaces an existing key)
  Json& Push(Json value);                  // array
  const std::vector<std::pair<std::string, Json>>& members() const { return object_; }
  const std::vector<Json>& items() const { return array_; }
  const std::string& text() const { return text_; }
  bool boolean() const { return bool_; }

  // Pretty-printed with two-space indentation and a trailing newline at top level.
  std::string Dump() const;
  // Single line, no spaces.
  std::string DumpCompact() const;

 private:
  void DumpTo(std::string& out, int indent, bool pretty) const;
  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<Json> array_;
  std::vector<std::pair<std::string, Json>> object_;
};

// YAML node → JSON value, with Kubernetes' scalar typing (plain true/false/yes/no → bool,
// plain numbers → numbers, null → null, everything quoted → string).
Json YamlToJson(const YAML::Node& node);

// JSON string escaping (without the quotes).
std::string JsonEscape(std::string_view s);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_YAML_IO_H_
