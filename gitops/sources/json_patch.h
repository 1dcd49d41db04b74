// RFC 6902 ops (add, replace, remove) applied to a YAML tree, so that a workload's ops from
// jsonpatch.json can be replayed on the document that defines it in a repository.
// Replaying on a document that already carries the change changes nothing: an `add` of an
// array item already present is skipped, an `add` of an array onto an existing array keeps
// the existing items and appends the missing ones, a `remove` of an absent member is
// skipped. That makes planning idempotent.
#ifndef MINPRIV_GITOPS_SOURCES_JSON_PATCH_H_
#define MINPRIV_GITOPS_SOURCES_JSON_PATCH_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace minpriv::gitops {

// A JSON value as a YAML node (strings stay strings when emitted; numbers and booleans plain).
YAML::Node JsonToYaml(const nlohmann::ordered_json& value);

// "/a/b~1c/0" → {"a", "b/c", "0"}. InvalidArgument for a pointer not starting with '/'.
absl::StatusOr<std::vector<std::string>> SplitPointer(const std::string& pointer);

// Applies `ops` to `root` in place (give it a copy: yaml-cpp nodes share). InvalidArgument
// for an op it does not support or whose path does not exist where it must.
absl::Status ApplyOps(YAML::Node root, const nlohmann::ordered_json& ops);

// The node at `path` (empty pointer components: the root), or an undefined node.
YAML::Node NodeAt(const YAML::Node& root, const std::vector<std::string>& path);

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_SOURCES_JSON_PATCH_H_
