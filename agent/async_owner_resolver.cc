#include "agent/async_owner_resolver.h"

#include <utility>

namespace minpriv::agent {

std::optional<absl::StatusOr<WorkloadRef>> AsyncOwnerResolver::Resolve(const PodInfo& pod) {
  if (std::optional<WorkloadRef> direct = OwnerResolver::WithoutReads(pod)) return *direct;
  const std::string key = pod.ns + "/" + pod.owner->kind + "/" + pod.owner->name;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = done_.find(key); it != done_.end()) {
      absl::StatusOr<WorkloadRef> result = it->second;
      if (!result.ok()) done_.erase(it);  // returned once, read again next time
      return result;
    }
    if (in_flight_.count(key)) return std::nullopt;
    in_flight_.insert(key);
  }
  PodInfo owner_only;
  owner_only.ns = pod.ns;
  owner_only.name = pod.name;
  owner_only.owner = pod.owner;
  const bool queued = worker_->Submit("owner " + key, [this, key, owner_only] {
    absl::StatusOr<WorkloadRef> result = resolver_.Resolve(owner_only);
    absl::MutexLock lock(&mu_);
    in_flight_.erase(key);
    if (done_.size() >= max_cached_) done_.clear();
    done_.insert_or_assign(key, std::move(result));
  });
  if (!queued) {
    absl::MutexLock lock(&mu_);
    in_flight_.erase(key);
  }
  return std::nullopt;
}

}  // namespace minpriv::agent
