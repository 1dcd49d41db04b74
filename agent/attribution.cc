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
  // A pod already known to be excluded: not tracked at all.
  if (const PodInfo* pod = pods_ != nullptr ? pods_->Find(cgroup->pod_uid) : nullptr) {
    if (Excluded(*pod)) {
      ++counters_.excluded;
      return nullptr;
    }
    if (NamespaceExcludedBySettings(pod->ns)) {
      ++counters_.excluded_by_settings;
      return nullptr;
    }
  }
  auto record =
      std::make_unique<CgroupRecord>(cgroup_id, *std::move(cgroup), clock_(), scanning_existing_);
  CgroupRecord* sink = record.get();
  if (tap_factory_) record->SetTap(tap_factory_(*record));
  sink->SetDenialListener(denial_listener_);
  waiting_[cgroup_id] = std::move(record);
  counters_.pending = waiting_.size();
  return sink;
}

bool Attribution::WatchDenialsFromStart(uint64_t cgroup_id) {
  return denial_listener_ != nullptr && waiting_.count(cgroup_id) > 0;
}

std::vector<uint64_t> Attribution::DiscardedIds() const {
  std::vector<uint64_t> ids;
  for (const auto& [id, record] : waiting_) {
    if (record->discarded()) ids.push_back(id);
  }
  return ids;
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

bool Attribution::NamespaceExcludedBySettings(const std::string& ns) const {
  return settings_ != nullptr && settings_->LearnsNothingIn(ns);
}

bool Attribution::ExcludedBySettings(const WorkloadRef& w) const {
  return settings_ != nullptr && !settings_->Resolve(w.ns, w.kind, w.name).learning;
}

void Attribution::TakeBack(std::vector<std::unique_ptr<CgroupRecord>> records) {
  for (std::unique_ptr<CgroupRecord>& r : records) {
    ++counters_.excluded_by_settings;
    r->Discard();
    const uint64_t id = r->id();
    waiting_[id] = std::move(r);
  }
  counters_.pending = waiting_.size();
}

void Attribution::Attribute(const PodIndex& pods, AsyncOwnerResolver& owners) {
  pods_ = &pods;
  const absl::Time now = clock_();
  // Discards a record that is not learned (erased at once when its cgroup already went).
  auto discard = [&](std::map<uint64_t, std::unique_ptr<CgroupRecord>>::iterator& it) {
    it->second->Discard();
    if (it->second->removed()) {
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  };
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    CgroupRecord& r = *it->second;
    if (r.discarded()) {
      ++it;
      continue;
    }
    const PodInfo* pod = pods.Find(r.cgroup().pod_uid);
    if (pod != nullptr && Excluded(*pod)) {
      ++counters_.excluded;
      discard(it);
      continue;
    }
    if (pod != nullptr && NamespaceExcludedBySettings(pod->ns)) {
      ++counters_.excluded_by_settings;
      discard(it);
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
    std::optional<absl::StatusOr<WorkloadRef>> resolved = owners.Resolve(*pod);
    if (!resolved) {  // being read
      ++it;
      continue;
    }
    absl::StatusOr<WorkloadRef>& workload = *resolved;
    if (!workload.ok()) {
      ++counters_.resolve_errors;
      spdlog::warn("pod {}/{}: cannot resolve its workload: {}", pod->ns, pod->name,
                   workload.status().ToString());
      ++it;
      continue;
    }
    if (ExcludedBySettings(*workload)) {
      ++counters_.excluded_by_settings;
      discard(it);
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
