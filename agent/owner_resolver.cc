#include "agent/owner_resolver.h"

namespace minpriv::agent {
namespace {

using nlohmann::json;

// The controller owner of `object` of kind `kind`, if it has one.
std::optional<OwnerRef> ControllerOwner(const json& object, const std::string& kind) {
  if (!object.is_object() || !object.contains("metadata")) return std::nullopt;
  const json& meta = object["metadata"];
  if (!meta.is_object() || !meta.contains("ownerReferences") ||
      !meta["ownerReferences"].is_array()) {
    return std::nullopt;
  }
  for (const json& o : meta["ownerReferences"]) {
    if (!o.is_object() || o.value("kind", json()) != kind) continue;
    if (!o.contains("name") || !o["name"].is_string()) continue;
    const json av = o.value("apiVersion", json());
    return OwnerRef{av.is_string() ? av.get<std::string>() : "", kind,
                    o["name"].get<std::string>()};
  }
  return std::nullopt;
}

}  // namespace

std::optional<WorkloadRef> OwnerResolver::WithoutReads(const PodInfo& pod) {
  if (!pod.owner || pod.owner->kind == "Node") {
    return WorkloadRef{pod.ns, "Pod", pod.name, "v1"};
  }
  const OwnerRef& owner = *pod.owner;
  if (owner.kind == "ReplicaSet" || owner.kind == "Job") return std::nullopt;
  return WorkloadRef{pod.ns, owner.kind, owner.name, owner.api_version};
}

absl::StatusOr<WorkloadRef> OwnerResolver::Resolve(const PodInfo& pod) {
  if (!pod.owner || pod.owner->kind == "Node") {
    return WorkloadRef{pod.ns, "Pod", pod.name, "v1"};
  }
  const OwnerRef& owner = *pod.owner;
  const std::string key = pod.ns + "/" + owner.kind + "/" + owner.name;
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;

  WorkloadRef result{pod.ns, owner.kind, owner.name, owner.api_version};
  const kube::ResourceRef* parent_resource = nullptr;
  std::string parent_kind;
  if (owner.kind == "ReplicaSet") {
    parent_resource = &kReplicaSets;
    parent_kind = "Deployment";
  } else if (owner.kind == "Job") {
    parent_resource = &kJobs;
    parent_kind = "CronJob";
  }
  if (parent_resource != nullptr) {
    ++reads_;
    absl::StatusOr<json> object = get_(*parent_resource, pod.ns, owner.name);
    if (!object.ok() && !absl::IsNotFound(object.status())) return object.status();
    if (object.ok()) {
      if (std::optional<OwnerRef> parent = ControllerOwner(*object, parent_kind)) {
        result = {pod.ns, parent->kind, parent->name, parent->api_version};
      }
    }
  }
  if (cache_.size() >= max_cached_) cache_.clear();
  cache_[key] = result;
  return result;
}

}  // namespace minpriv::agent
