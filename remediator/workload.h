// Kubernetes workload objects as yaml-cpp nodes: which kinds carry a pod template and where.
#ifndef MINPRIV_REMEDIATOR_WORKLOAD_H_
#define MINPRIV_REMEDIATOR_WORKLOAD_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yaml-cpp/yaml.h"

namespace minpriv::remediator {

// Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob.
const std::vector<std::string>& WorkloadKinds();
bool IsWorkloadKind(std::string_view kind);
// Kinds of the built-in API groups minpriv knows to exist (workloads or not). A document
// of a built-in group with another kind is reported as an unknown kind (likely a typo).
bool IsKnownBuiltinKind(std::string_view kind);
bool IsBuiltinApiVersion(std::string_view api_version);

// The pod template of a workload object: a map with `metadata` and `spec` (the object
// itself for a Pod). Undefined node when the object has none.
YAML::Node PodTemplate(const YAML::Node& object);

// Scalar at a map key, or "" when absent / not a scalar.
std::string ScalarAt(const YAML::Node& map, const char* key);
// Child node (const lookup: never inserts).
YAML::Node Child(const YAML::Node& map, const char* key);
// A map of scalars (labels, selectors) as strings; other entries are skipped. Empty when
// `map` is absent or not a map.
std::map<std::string, std::string> StringMap(const YAML::Node& map);
// Map child for writing: `key` of `parent`, created as an empty map (or list) when absent or
// of another type.
YAML::Node EnsureMap(YAML::Node parent, const char* key);
YAML::Node EnsureSeq(YAML::Node parent, const char* key);
// A boolean at a map key as Kubernetes spells it (true/True/TRUE, false/False/FALSE);
// nullopt when absent or anything else.
std::optional<bool> BoolAt(const YAML::Node& map, const char* key);
inline bool IsTrue(const YAML::Node& map, const char* key) { return BoolAt(map, key) == true; }
inline bool IsFalse(const YAML::Node& map, const char* key) { return BoolAt(map, key) == false; }
// Volumes whose file systems are read-only whatever the mount says (configMap, secret,
// downwardAPI, projected).
bool ReadOnlyVolumeSource(const YAML::Node& volume);

std::string ObjectKind(const YAML::Node& object);
// `kind: List`, as `kubectl get -o yaml` prints several objects.
bool IsListObject(const YAML::Node& object);
// The objects a document holds: a List's items (handles into it), or the document itself.
std::vector<YAML::Node> ObjectsOf(const YAML::Node& document);
std::string ObjectName(const YAML::Node& object);
std::string ObjectNamespace(const YAML::Node& object);

// Capability name in Kubernetes spelling: upper case, no CAP_ prefix.
std::string NormalizeCapability(std::string_view cap);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_WORKLOAD_H_
