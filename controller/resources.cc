#include "controller/resources.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace minpriv::controller {

const std::vector<WorkloadKind>& WorkloadKinds() {
  static const auto* kinds = new std::vector<WorkloadKind>{
      {"Deployment", "apps/v1", {"apps", "v1", "deployments", true}, "/spec/template/spec"},
      {"StatefulSet", "apps/v1", {"apps", "v1", "statefulsets", true}, "/spec/template/spec"},
      {"DaemonSet", "apps/v1", {"apps", "v1", "daemonsets", true}, "/spec/template/spec"},
      {"ReplicaSet", "apps/v1", {"apps", "v1", "replicasets", true}, "/spec/template/spec"},
      {"Job", "batch/v1", {"batch", "v1", "jobs", true}, "/spec/template/spec", false},
      {"CronJob", "batch/v1", {"batch", "v1", "cronjobs", true},
       "/spec/jobTemplate/spec/template/spec"},
      {"Pod", "v1", {"", "v1", "pods", true}, "/spec", false},
  };
  return *kinds;
}

const WorkloadKind* FindWorkloadKind(std::string_view kind) {
  for (const WorkloadKind& k : WorkloadKinds()) {
    if (absl::EqualsIgnoreCase(k.kind, absl::string_view(kind.data(), kind.size()))) return &k;
  }
  return nullptr;
}

std::optional<WorkloadKey> WorkloadKey::Parse(std::string_view key) {
  std::vector<std::string> parts = absl::StrSplit(absl::string_view(key.data(), key.size()), '/');
  if (parts.size() != 3 || parts[1].empty() || parts[2].empty()) return std::nullopt;
  return WorkloadKey{parts[0], parts[1], parts[2]};
}

std::string StringAt(const nlohmann::json& j, const char* pointer) {
  nlohmann::json::json_pointer p(pointer);
  if (!j.is_object() || !j.contains(p)) return "";
  const nlohmann::json& v = j.at(p);
  return v.is_string() ? v.get<std::string>() : "";
}

std::optional<WorkloadKey> TargetKey(const nlohmann::json& object) {
  std::string ns = StringAt(object, "/metadata/namespace");
  std::string kind = StringAt(object, "/spec/target/kind");
  std::string name = StringAt(object, "/spec/target/name");
  if (kind.empty() || name.empty()) {
    kind = StringAt(object, "/metadata/labels/minpriv.dev~1workload-kind");
    name = StringAt(object, "/metadata/labels/minpriv.dev~1workload-name");
  }
  const WorkloadKind* k = FindWorkloadKind(kind);
  if (k == nullptr || name.empty()) return std::nullopt;
  return WorkloadKey{ns, k->kind, name};
}

bool SelectsPod(const nlohmann::json& workload, const nlohmann::json& pod) {
  nlohmann::json::json_pointer sel("/spec/selector/matchLabels");
  if (!workload.contains(sel) || !workload.at(sel).is_object() || workload.at(sel).empty()) {
    return false;
  }
  nlohmann::json::json_pointer labels_ptr("/metadata/labels");
  if (!pod.contains(labels_ptr) || !pod.at(labels_ptr).is_object()) return false;
  const nlohmann::json& labels = pod.at(labels_ptr);
  for (const auto& [k, v] : workload.at(sel).items()) {
    auto it = labels.find(k);
    if (it == labels.end() || *it != v) return false;
  }
  return true;
}

}  // namespace minpriv::controller
