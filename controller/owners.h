// Which workloads a Pod is a replica of, through its controller ownerReferences as the
// workload controllers set them: Pod → ReplicaSet → Deployment, Pod → Job → CronJob,
// Pod → StatefulSet, Pod → DaemonSet. A Pod without a controller owner is a bare Pod (a
// workload of its own); it also counts as a replica of a workload whose selector matches it,
// as the workload's controller would adopt it.
#ifndef MINPRIV_CONTROLLER_OWNERS_H_
#define MINPRIV_CONTROLLER_OWNERS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/resources.h"
#include "kube/store.h"

namespace minpriv::controller {

// Workload kind → its informer's cache (the ReplicaSet and Job caches are read to go up one
// more level).
using WorkloadStores = std::map<std::string, const kube::Store*>;

// The controller ownerReference (controller: true) of an object, nullopt when it has none.
std::optional<nlohmann::json> ControllerOwner(const nlohmann::json& object);

// The workloads the pod belongs to, innermost first: [ReplicaSet, Deployment],
// [Job, CronJob], [StatefulSet], or [Pod itself] for a bare Pod. An owner of a kind minpriv
// does not propose for ends the chain (empty when it is the pod's own owner); an owner
// missing from its cache ends it after that owner.
std::vector<WorkloadKey> OwnerChain(const nlohmann::json& pod, const WorkloadStores& stores);

// True when `pod` is a replica of the workload `key` (its object: `workload`): `key` is in
// the pod's owner chain, or the pod has no controller owner and the workload's selector
// matches it.
bool IsReplicaOf(const nlohmann::json& pod, const WorkloadKey& key, const nlohmann::json& workload,
                 const WorkloadStores& stores);

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_OWNERS_H_
