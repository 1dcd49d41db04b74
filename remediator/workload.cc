#include "remediator/workload.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "remediator/yaml_io.h"

namespace minpriv::remediator {

const std::vector<std::string>& WorkloadKinds() {
  static const std::vector<std::string>* const kKinds = new std::vector<std::string>{
      "CronJob", "DaemonSet", "Deployment", "Job", "Pod", "ReplicaSet", "StatefulSet"};
  return *kKinds;
}

bool IsWorkloadKind(std::string_view kind) {
  const auto& kinds = WorkloadKinds();
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

bool IsKnownBuiltinKind(std::string_view kind) {
  static const std::set<std::string, std::less<>>* const kKinds = new std::set<std::string, std::less<>>{
      "APIService", "Binding", "CSIDriver", "CSINode", "CSIStorageCapacity",
      "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding", "ComponentStatus",
      "ConfigMap", "ControllerRevision", "CronJob", "CustomResourceDefinition", "DaemonSet",
      "Deployment", "EndpointSlice", "Endpoints", "Event", "FlowSchema",
      "HorizontalPodAutoscaler", "IPAddress", "Ingress", "IngressClass", "Job", "Lease",
      "LimitRange", "List", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
      "MutatingWebhookConfiguration", "Namespace", "NetworkPolicy", "Node",
      "PersistentVolume", "PersistentVolumeClaim", "Pod", "PodDisruptionBudget", "PodTemplate",
      "PriorityClass", "PriorityLevelConfiguration", "ReplicaSet", "ReplicationController",
      "ResourceClaim", "ResourceClaimTemplate", "ResourceQuota", "ResourceSlice", "DeviceClass",
      "Role", "RoleBinding", "RuntimeClass", "Secret", "Service", "ServiceAccount",
      "ServiceCIDR", "StatefulSet", "StorageClass", "TokenReview", "SubjectAccessReview",
      "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
      "ValidatingWebhookConfiguration", "VolumeAttachment", "VolumeAttributesClass"};
  return kKinds->count(std::string(kind)) > 0;
}

bool IsBuiltinApiVersion(std::string_view api_version) {
  if (api_version == "v1") return true;
  size_t slash = api_version.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view group = api_version.substr(0, slash);
  if (std::string(group).size() > 7 && std::string(group).substr(std::string(group).size() - 7) == ".k8s.io") return true;
  static const std::set<std::string, std::less<>>* const kGroups = new std::set<std::string, std::less<>>{
      "apps", "batch", "policy", "autoscaling", "extensions"};
  return kGroups->count(std::string(group)) > 0;
}

YAML::Node Child(const YAML::Node& map, const char* key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node& cmap = map;
  YAML::Node v = cmap[key];
  if (!v.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
  return v;
}

std::map<std::string, std::string> StringMap(const YAML::Node& map) {
  std::map<std::string, std::string> out;
  if (!map.IsDefined() || !map.IsMap()) return out;
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && kv.second.IsScalar()) out[kv.first.Scalar()] = kv.second.Scalar();
  }
  return out;
}

YAML::Node EnsureMap(YAML::Node parent, const char* key) {
  YAML::Node existing = Child(parent, key);
  if (!existing.IsDefined() || !existing.IsMap()) {
    parent[key] = NewMap();
  }
  return parent[key];
}

YAML::Node EnsureSeq(YAML::Node parent, const char* key) {
  YAML::Node existing = Child(parent, key);
  if (!existing.IsDefined() || !existing.IsSequence()) {
    parent[key] = NewSeq();
  }
  return parent[key];
}

std::optional<bool> BoolAt(const YAML::Node& map, const char* key) {
  std::string s = ScalarAt(map, key);
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

bool ReadOnlyVolumeSource(const YAML::Node& volume) {
  for (const char* key : {"configMap", "secret", "downwardAPI", "projected"}) {
    if (Child(volume, key).IsDefined()) return true;
  }
  return false;
}

std::string ScalarAt(const YAML::Node& map, const char* key) {
  YAML::Node v = Child(map, key);
  if (!v.IsDefined() || !v.IsScalar()) return "";
  return v.Scalar();
}

YAML::Node PodTemplate(const YAML::Node& object) {
  std::string kind = ScalarAt(object, "kind");
  if (kind == "Pod") return object;
  if (!IsWorkloadKind(kind)) return YAML::Node(YAML::NodeType::Undefined);
  // Never reassign a YAML::Node that refers into a document: yaml-cpp's operator= would
  // rebind the referenced node itself.
  YAML::Node spec = kind == "CronJob"
                        ? Child(Child(Child(object, "spec"), "jobTemplate"), "spec")
                        : Child(object, "spec");
  YAML::Node tmpl = Child(spec, "template");
  if (!tmpl.IsDefined() || !tmpl.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  return tmpl;
}

std::string ObjectKind(const YAML::Node& object) { return ScalarAt(object, "kind"); }
bool IsListObject(const YAML::Node& object) { return ObjectKind(object) == "List"; }
std::vector<YAML::Node> ObjectsOf(const YAML::Node& document) {
  if (!IsListObject(document)) return {document};
  std::vector<YAML::Node> out;
  YAML::Node items = Child(document, "items");
  if (items.IsDefined() && items.IsSequence()) {
    for (const YAML::Node& item : items) out.push_back(item);
  }
  return out;
}
std::string ObjectName(const YAML::Node& object) {
  return ScalarAt(Child(object, "metadata"), "name");
}
std::string ObjectNamespace(const YAML::Node& object) {
  return ScalarAt(Child(object, "metadata"), "namespace");
}

std::string NormalizeCapability(std::string_view cap) {
  std::string c = absl::AsciiStrToUpper(std::string(cap));
  if (c.rfind("CAP_", 0) == 0) c = c.substr(4);
  return c;
}

}  // namespace minpriv::remediator
