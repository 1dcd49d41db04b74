#include "controller/owners.h"

#include <algorithm>

namespace minpriv::controller {

using nlohmann::json;

std::optional<json> ControllerOwner(const json& object) {
  json::json_pointer refs_ptr("/metadata/ownerReferences");
  if (!object.is_object() || !object.contains(refs_ptr) || !object.at(refs_ptr).is_array()) {
    return std::nullopt;
  }
  for (const json& ref : object.at(refs_ptr)) {
    if (ref.is_object() && ref.value("controller", false) == true) return ref;
  }
  return std::nullopt;
}

std::vector<WorkloadKey> OwnerChain(const json& pod, const WorkloadStores& stores) {
  const std::string ns = StringAt(pod, "/metadata/namespace");
  std::vector<WorkloadKey> chain;
  std::optional<json> owner = ControllerOwner(pod);
  if (!owner) return {WorkloadKey{ns, "Pod", StringAt(pod, "/metadata/name")}};
  // At most two levels above the pod (ReplicaSet → Deployment, Job → CronJob).
  for (int depth = 0; owner && depth < 2; ++depth) {
    const WorkloadKind* kind = FindWorkloadKind(owner->value("kind", ""));
    const std::string name = owner->value("name", "");
    if (kind == nullptr || kind->kind == "Pod" || name.empty()) break;
    chain.push_back(WorkloadKey{ns, kind->kind, name});
    if (kind->kind != "ReplicaSet" && kind->kind != "Job") break;
    auto store = stores.find(kind->kind);
    if (store == stores.end()) break;
    std::optional<json> object = store->second->Get(ns + "/" + name);
    if (!object) break;
    owner = ControllerOwner(*object);
  }
  return chain;
}

bool IsReplicaOf(const json& pod, const WorkloadKey& key, const json& workload,
                 const WorkloadStores& stores) {
  const std::vector<WorkloadKey> chain = OwnerChain(pod, stores);
  if (std::find(chain.begin(), chain.end(), key) != chain.end()) return true;
  return key.kind != "Pod" && !ControllerOwner(pod) && SelectsPod(workload, pod);
}

}  // namespace minpriv::controller
