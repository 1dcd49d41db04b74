#include "crd/yaml_json.h"

#include "crd/yaml_input.h"

#include <cstdlib>
#include <set>

#include <yaml-cpp/yaml.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "crd/profile_codec.h"  // LooksLikeNonString
#include "re2/re2.h"

namespace minpriv::crd {
namespace {

using Json = nlohmann::json;

bool IsScalar(const Json& j) { return !j.is_object() && !j.is_array(); }

void Emit(YAML::Emitter& out, const Json& j) {
  switch (j.type()) {
    case Json::value_t::object:
      if (j.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [key, value] : j.items()) {
        out << YAML::Key;
        if (LooksLikeNonString(key)) {
          out << YAML::DoubleQuoted << key;
        } else {
          out << key;
        }
        out << YAML::Value;
        Emit(out, value);
      }
      out << YAML::EndMap;
      return;
    case Json::value_t::array: {
      bool flow = true;
      for (const Json& e : j) flow = flow && IsScalar(e);
      if (flow) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const Json& e : j) Emit(out, e);
      out << YAML::EndSeq;
      return;
    }
    case Json::value_t::string: {
      const std::string& s = j.get_ref<const std::string&>();
      if (LooksLikeNonString(s)) {
        out << YAML::DoubleQuoted << s;
      } else {
        out << s;
      }
      return;
    }
    case Json::value_t::boolean:
      out << YAML::TrueFalseBool << j.get<bool>();
      return;
    case Json::value_t::number_integer:
      out << j.get<int64_t>();
      return;
    case Json::value_t::number_unsigned:
      out << j.get<uint64_t>();
      return;
    case Json::value_t::number_float:
      out << j.dump();
      return;
    default:
      out << YAML::Null;
      return;
  }
}

Json Scalar(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() != "?") return s;  // quoted, or explicitly tagged: a string
  static const std::set<std::string> kNull = {"", "~", "null", "Null", "NULL"};
  static const std::set<std::string> kTrue = {"true", "True", "TRUE"};
  static const std::set<std::string> kFalse = {"false", "False", "FALSE"};
  if (kNull.count(s)) return nullptr;
  if (kTrue.count(s)) return true;
  if (kFalse.count(s)) return false;
  static const RE2 kInt("[-+]?[0-9]+");
  static const RE2 kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (RE2::FullMatch(s, kInt)) {
    int64_t i;
    uint64_t u;
    if (absl::SimpleAtoi(s, &i)) return i;
    if (absl::SimpleAtoi(s, &u)) return u;
  }
  if (RE2::FullMatch(s, kFloat)) return std::strtod(s.c_str(), nullptr);
  return s;
}

Json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      Json j = Json::object();
      for (auto it = n.begin(); it != n.end(); ++it) j[it->first.Scalar()] = ToJson(it->second);
      return j;
    }
    case YAML::NodeType::Sequence: {
      Json j = Json::array();
      for (const YAML::Node& e : n) j.push_back(ToJson(e));
      return j;
    }
    case YAML::NodeType::Scalar:
      return Scalar(n);
    default:
      return nullptr;
  }
}

}  // namespace

std::string EmitYaml(const Json& j) {
  YAML::Emitter out;
  out.SetIndent(2);
  Emit(out, j);
  return absl::StrCat(out.c_str(), "\n");
}

absl::StatusOr<std::vector<Json>> ParseYamlDocuments(std::string_view yaml,
                                                     std::string_view source) {
  absl::StatusOr<std::vector<YAML::Node>> loaded = LoadYamlDocuments(yaml, source, "document");
  if (!loaded.ok()) return loaded.status();
  std::vector<Json> docs;
  try {
    for (const YAML::Node& doc : *loaded) {
      if (doc.IsNull()) continue;
      docs.push_back(ToJson(doc));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(source), ":", e.mark.line + 1, ":",
                                                   e.mark.column + 1, ": invalid YAML: ", e.msg));
  }
  return docs;
}

}  // namespace minpriv::crd
