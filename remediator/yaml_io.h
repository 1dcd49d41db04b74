// YAML/JSON adapter for the remediator: parses multi-document manifests with positions,
// emits YAML that keeps the meaning of every scalar (quoted strings stay strings), and
// converts YAML to JSON values (nlohmann::ordered_json) with Kubernetes' scalar typing.
// yaml-cpp exceptions never leave this file. yaml-cpp drops comments; yaml_text.h edits the input text in place instead.
#ifndef MINPRIV_REMEDIATOR_YAML_IO_H_
#define MINPRIV_REMEDIATOR_YAML_IO_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
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
// InvalidArgument "SOURCE:LINE:COLUMN: ...". Also InvalidArgument, before any work that grows
// with it: a text over 64 MiB, and documents whose YAML aliases expand them to more than ten
// nodes per byte of the text (plus 100,000), as an alias bomb does.
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

// A copy that shares nothing, not even between the places a YAML alias made one node
// (YAML::Clone keeps aliases shared, so editing one place would edit the others). Tags and
// styles are kept; marks are not (errors point into the original).
YAML::Node DeepCopy(const YAML::Node& node);
// Whether two places of the tree are one node (a YAML anchor and its aliases).
bool HasSharedNodes(const YAML::Node& node);

// Emits one document (no leading "---"), ending with a newline.
std::string EmitYaml(const YAML::Node& node);
// Documents joined by "---" lines.
std::string EmitYamlDocuments(const std::vector<YAML::Node>& nodes);

// YAML node → JSON value, with Kubernetes' scalar typing (plain true/false/yes/no → bool,
// plain numbers → numbers, null → null, everything quoted → string). Keys keep their order.
// Numbers are written back (util::DumpPretty) with their text: integers and doubles where
// that prints the same, util::RawNumber otherwise ("1.50", "1e3", beyond 64 bits).
nlohmann::ordered_json YamlToJson(const YAML::Node& node);

// Equality of meaning as JSON, whatever the key order (YamlToJson of both, keys sorted).
bool NodesEqual(const YAML::Node& a, const YAML::Node& b);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_YAML_IO_H_
