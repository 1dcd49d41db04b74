// Pod → the workload that owns it, through ownerReferences: a ReplicaSet's Deployment (read
// from the ReplicaSet), a Job's CronJob (read from the Job), a StatefulSet or DaemonSet as
// they are, and a bare Pod (or a static pod, owned by its Node) as its own workload. An owner
// of another kind (a custom controller) is taken as it is. Results are cached by the pod's
// owner, so each ReplicaSet or Job is read once.
#ifndef MINPRIV_AGENT_OWNER_RESOLVER_H_
#define MINPRIV_AGENT_OWNER_RESOLVER_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "agent/pod_info.h"
#include "kube/resource.h"

namespace minpriv::agent {

inline const kube::ResourceRef kReplicaSets{"apps", "v1", "replicasets", true};
inline const kube::ResourceRef kJobs{"batch", "v1", "jobs", true};

class OwnerResolver {
 public:
  // Reads one object (kube::RestClient::Get in the agent; a map in tests).
  using Getter = std::function<absl::StatusOr<nlohmann::json>(
      const kube::ResourceRef& ref, const std::string& ns, const std::string& name)>;
  explicit OwnerResolver(Getter get, size_t max_cached = 10000)
      : get_(std::move(get)), max_cached_(max_cached) {}

  // The pod's workload. An intermediate owner that no longer exists (NotFound) is taken as
  // the workload itself; other read errors are returned (try again later).
  absl::StatusOr<WorkloadRef> Resolve(const PodInfo& pod);
  int64_t reads() const { return reads_; }
  // The pod's workload when it takes no read (no ReplicaSet or Job owner); nullopt otherwise.
  static std::optional<WorkloadRef> WithoutReads(const PodInfo& pod);

 private:
  Getter get_;
  size_t max_cached_;
  int64_t reads_ = 0;
  std::map<std::string, WorkloadRef> cache_;  // "ns/Kind/name" of the pod's owner
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_OWNER_RESOLVER_H_
