// OwnerResolver off the polling thread: a pod whose workload takes a read (its ReplicaSet's
// Deployment, its Job's CronJob) is resolved on the ApiWorker, and Resolve answers "not yet"
// until the read is done, so the caller keeps the pod's cgroups waiting instead of blocking.
// Results are cached by the pod's owner (bounded, as OwnerResolver's own cache).
#ifndef MINPRIV_AGENT_ASYNC_OWNER_RESOLVER_H_
#define MINPRIV_AGENT_ASYNC_OWNER_RESOLVER_H_

#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "agent/api_worker.h"
#include "agent/owner_resolver.h"
#include "agent/pod_info.h"

namespace minpriv::agent {

class AsyncOwnerResolver {
 public:
  // `get` runs on `worker`'s thread only; `worker` must outlive this.
  AsyncOwnerResolver(OwnerResolver::Getter get, ApiWorker* worker, size_t max_cached = 10000)
      : resolver_(std::move(get), max_cached), worker_(worker), max_cached_(max_cached) {}

  // The pod's workload when known now; nullopt while its owner is being read (or the
  // worker's queue is full). A failed read is returned once and retried on the next call.
  std::optional<absl::StatusOr<WorkloadRef>> Resolve(const PodInfo& pod);

 private:
  OwnerResolver resolver_;  // the worker's thread only
  ApiWorker* worker_;
  const size_t max_cached_;
  absl::Mutex mu_;
  std::map<std::string, absl::StatusOr<WorkloadRef>> done_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> in_flight_ ABSL_GUARDED_BY(mu_);
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_ASYNC_OWNER_RESOLVER_H_
