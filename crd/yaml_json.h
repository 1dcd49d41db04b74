// JSON values ⇄ YAML text, for Kubernetes objects (CRD manifests, rendered charts). The
// yaml-cpp adapter: its exceptions stop here.
#ifndef MINPRIV_CRD_YAML_JSON_H_
#define MINPRIV_CRD_YAML_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace minpriv::crd {

// Block-style YAML of `j` (one document, ending in a newline; keys in the json's order,
// which for nlohmann::json is sorted). Arrays of scalars are written in flow style `[a, b]`;
// strings a reader would take for another type (LooksLikeNonString) are double-quoted.
std::string EmitYaml(const nlohmann::json& j);

// Every document of a YAML stream as JSON; empty documents (a lone `---`, comments only) are
// skipped. Plain scalars resolve by the YAML 1.2 core schema (null, true/false, integers,
// floats), quoted ones are strings. Errors: InvalidArgument "SOURCE:LINE:COLUMN: ...".
absl::StatusOr<std::vector<nlohmann::json>> ParseYamlDocuments(std::string_view yaml,
                                                               std::string_view source);

}  // namespace minpriv::crd

#endif  // MINPRIV_CRD_YAML_JSON_H_
