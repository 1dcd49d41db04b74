#include "agent/attribution.h"

#include "spdlog/spdlog.h"

namespace minpriv::agent {

Attribution::Attribution(AttributionOptions options, WorkloadTable* table,
                         std::function<absl::Time()> clock)
    : options_(std::move(options)), table_(table), clock_(std::move(clock)) {}

observer::ObservationSink* Attribution::OnCgroupCreated(uint64_t cgroup_id,
                                                        const std::string& relative_path) {
  ++counters_.cgroups_created;
  absl::StatusOr<KubeCgroup> cgroup = ParseKubeCgroup(relative_path);
  if (!cgroup.ok() || cgroup->level != CgroupLevel::kContainer) {
    ++counters_.not_containers;
    return nullptr;
  }
  auto record =
      std::make_unique<CgroupRecord>(cgroup_id, *std::move(cgroup), clock_(), scanning_existing_);
  CgroupRecord* sink = record.get();
  sink->SetDenialListener(denial_listener_);
  waiting_[cgroup_id] = std::move(record);
  counters_.pending = waiting_.size();
  return sink;
}

void Attribution::OnWorkloadExec(uint64_t cgroup_id, absl::Time t) {
  if (auto it = waiting_.find(cgroup_id); it != waiting_.end()) {
    it->second->MarkWorkloadExec(t);
    return;
  }
  table_->MarkWorkloadExec(cgroup_id, t);
}

void Attribution::OnCgroupRemoved(uint64_t cgroup_id) {
  const absl::Time now = clock_();
  auto it = waiting_.find(cgroup_id);
  if (it == waiting_.end()) {
    table_->Remove(cgroup_id, now);
    return;
  }
  if (it->second->discarded()) {
    waiting_.erase(it);
  } else {
    it->second->MarkRemoved(now);
  }
  counters_.pending = waiting_.size();
}

bool Attribution::Excluded(const PodInfo& pod) const {
  if (options_.excluded_namespaces.count(pod.ns)) return true;
  return !options_.own_pod.empty() && options_.own_pod == pod.ns + "/" + pod.name;
}

void Attribution::Attribute(const PodIndex& pods, OwnerResolver& owners) {
  const absl::Time now = clock_();
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    CgroupRecord& r = *it->second;
    if (r.discarded()) {
      ++it;
      continue;
    }
    const PodInfo* pod = pods.Find(r.cgroup().pod_uid);
    if (pod != nullptr && Excluded(*pod)) {
      ++counters_.excluded;
      r.Discard();
      if (r.removed()) {
        it = waiting_.erase(it);
      } else {
        ++it;
      }
      continue;
    }
    const std::string* container = nullptr;
    if (pod != nullptr) {
      auto c = pod->containers.find(r.cgroup().container_id);
      if (c != pod->containers.end()) container = &c->second;
    }
    if (container == nullptr) {
      if (r.removed() && now - *r.removed() >= options_.unattributed_grace) {
        ++counters_.unattributed;
        it = waiting_.erase(it);
      } else {
        ++it;
      }
      continue;
    }
    absl::StatusOr<WorkloadRef> workload = owners.Resolve(*pod);
    if (!workload.ok()) {
      ++counters_.resolve_errors;
      spdlog::warn("pod {}/{}: cannot resolve its workload: {}", pod->ns, pod->name,
                   workload.status().ToString());
      ++it;
      continue;
    }
    r.Attribute(*std::move(workload), *container);
    ++counters_.attributed;
    table_->Adopt(std::move(it->second), now);
    it = waiting_.erase(it);
  }
  counters_.pending = waiting_.size();
}

}  // namespace minpriv::agent
