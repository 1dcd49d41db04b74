// The agent's partial profile reads and writes on the ApiWorker, so the polling thread only
// queues them and collects their results on a later tick. Each object is known by its
// caller's `tag` (the workload's key) and addressed by namespace and name; its
// resourceVersion is kept here (from the read, then from each write), so a caller submits
// objects without one. Saves are latest-wins per object: a newer object replaces one still
// queued. The queue is bounded: Load and Save return false when it is full (retry later).
#ifndef MINPRIV_AGENT_ASYNC_PROFILE_STORE_H_
#define MINPRIV_AGENT_ASYNC_PROFILE_STORE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "agent/api_worker.h"
#include "agent/profile_store.h"

namespace minpriv::agent {

class AsyncProfileStore {
 public:
  // `store` and `worker` must outlive this; `store` is used on the worker's thread only.
  AsyncProfileStore(ProfileStore* store, ApiWorker* worker) : store_(store), worker_(worker) {}

  struct Loaded {
    std::string tag;
    absl::StatusOr<std::optional<nlohmann::json>> object;
  };
  struct Saved {
    std::string tag;
    nlohmann::json object;  // as submitted
    absl::Status status;
  };
  struct Results {
    std::vector<Loaded> loaded;
    std::vector<Saved> saved;
  };

  bool Load(const std::string& tag, const std::string& ns, const std::string& name);
  // `object` names itself (metadata.namespace, metadata.name).
  bool Save(const std::string& tag, nlohmann::json object);
  // The object's resourceVersion is no longer needed (its workload left the node).
  void Forget(const std::string& ns, const std::string& name);
  // The results that arrived since the last call, in completion order.
  Results TakeResults();

 private:
  ProfileStore* store_;
  ApiWorker* worker_;
  absl::Mutex mu_;
  std::map<std::string, std::string> resource_versions_ ABSL_GUARDED_BY(mu_);  // ns/name
  Results results_ ABSL_GUARDED_BY(mu_);
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_ASYNC_PROFILE_STORE_H_
