// The agent's CgroupSinkFactory: every cgroup the NodeObserver reports below the kubelet's
// pod hierarchy gets a CgroupRecord from its creation (so its observations are kept from the
// first syscall), and Attribute() hands each record to the WorkloadTable once its pod's
// status names the container. Records of excluded pods (the agent's own, namespaces not
// learned) discard their observations. A cgroup removed before any status named it waits
// `unattributed_grace` for a late status (a pod that lived a second), then is dropped and
// counted. Namespaces and workloads the settings (crd::SettingsCache, `learning: false`)
// exclude are not learned either: a new cgroup of a pod already known to be excluded is not
// tracked at all (the observer frees its slot), others are discarded once their pod or
// workload is known, and records taken back from the table (settings changed) are discarded;
// all counted in excluded_by_settings. All methods run on the observer's polling thread.
#ifndef MINPRIV_AGENT_ATTRIBUTION_H_
#define MINPRIV_AGENT_ATTRIBUTION_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "agent/cgroup_record.h"
#include "agent/async_owner_resolver.h"
#include "agent/pod_info.h"
#include "agent/workload_table.h"
#include "crd/settings_cache.h"
#include "observer/node_observer.h"

namespace minpriv::agent {

struct AttributionOptions {
  std::set<std::string> excluded_namespaces = {"kube-system"};
  std::string own_pod;  // "namespace/name" of the agent's own pod ("" when not in a pod)
  absl::Duration unattributed_grace = absl::Minutes(1);
};

struct AttributionCounters {
  uint64_t cgroups_created = 0;  // reported by the observer
  uint64_t not_containers = 0;   // kubepods, QoS and pod levels, and anything not the kubelet's
  uint64_t attributed = 0;
  uint64_t excluded = 0;
  uint64_t excluded_by_settings = 0;  // not tracked or discarded: learning off in settings
  uint64_t unattributed = 0;     // removed and never named by a pod status
  uint64_t resolve_errors = 0;   // owner lookups that failed (retried)
  uint64_t pending = 0;          // waiting for a status now
};

class Attribution : public observer::CgroupSinkFactory {
 public:
  Attribution(AttributionOptions options, WorkloadTable* table,
              std::function<absl::Time()> clock = absl::Now);

  // Each new record gets a tap from `factory` (shadow mode; null: none).
  using TapFactory = std::function<std::unique_ptr<observer::ObservationSink>(const CgroupRecord&)>;
  void SetTapFactory(TapFactory factory) { tap_factory_ = std::move(factory); }

  // While true, created cgroups existed before the agent watched (WatchRoot's scan).
  void SetScanningExisting(bool scanning) { scanning_existing_ = scanning; }
  // Receives the denials of records created from now on (BreakWatch); null: none.
  void SetDenialListener(DenialListener* listener) { denial_listener_ = listener; }
  DenialListener* denial_listener() const { return denial_listener_; }
  // With a listener, a new container's denials are watched until its workload is known (the
  // agent then keeps them on only for the workloads the listener wants).
  bool WatchDenialsFromStart(uint64_t cgroup_id) override;
  // The discarded records (excluded) still waiting for their cgroups to go.
  std::vector<uint64_t> DiscardedIds() const;

  observer::ObservationSink* OnCgroupCreated(uint64_t cgroup_id,
                                             const std::string& relative_path) override;
  void OnWorkloadExec(uint64_t cgroup_id, absl::Time t) override;
  void OnCgroupRemoved(uint64_t cgroup_id) override;

  // The settings that exclude namespaces and workloads (null: none); must outlive this.
  void SetSettings(const crd::SettingsCache* settings) { settings_ = settings; }
  // Whether the settings have learning off for `workload`.
  bool ExcludedBySettings(const WorkloadRef& workload) const;

  // Attributes the waiting records whose pod names them; drops removed ones past the grace.
  // Owners that take an API read are resolved on the worker: their records wait meanwhile.
  // `pods` must outlive this (it is consulted for new cgroups too).
  void Attribute(const PodIndex& pods, AsyncOwnerResolver& owners);
  // Records the table released (their workload's learning was turned off): discarded, kept
  // until their cgroups go.
  void TakeBack(std::vector<std::unique_ptr<CgroupRecord>> records);
  const AttributionCounters& counters() const { return counters_; }

 private:
  bool Excluded(const PodInfo& pod) const;
  bool NamespaceExcludedBySettings(const std::string& ns) const;

  AttributionOptions options_;
  WorkloadTable* table_;
  std::function<absl::Time()> clock_;
  bool scanning_existing_ = false;
  const crd::SettingsCache* settings_ = nullptr;
  const PodIndex* pods_ = nullptr;  // the latest Attribute's
  TapFactory tap_factory_;
  DenialListener* denial_listener_ = nullptr;
  // Records not (yet) handed to the table: waiting for a status, or excluded.
  std::map<uint64_t, std::unique_ptr<CgroupRecord>> waiting_;
  AttributionCounters counters_;
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_ATTRIBUTION_H_
