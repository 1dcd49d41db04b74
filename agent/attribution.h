// The agent's CgroupSinkFactory: every cgroup the NodeObserver reports below the kubelet's
// pod hierarchy gets a CgroupRecord from its creation (so its observations are kept from the
// first syscall), and Attribute() hands each record to the WorkloadTable once its pod's
// status names the container. Records of excluded pods (the agent's own, namespaces not
// learned) discard their observations. A cgroup removed before any status named it waits
// `unattributed_grace` for a late status (a pod that lived a second), then is dropped and
// counted. All methods run on the observer's polling thread.
#ifndef MINPRIV_AGENT_ATTRIBUTION_H_
#define MINPRIV_AGENT_ATTRIBUTION_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "agent/cgroup_record.h"
#include "agent/owner_resolver.h"
#include "agent/pod_info.h"
#include "agent/workload_table.h"
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
  uint64_t unattributed = 0;     // removed and never named by a pod status
  uint64_t resolve_errors = 0;   // owner lookups that failed (retried)
  uint64_t pending = 0;          // waiting for a status now
};

class Attribution : public observer::CgroupSinkFactory {
 public:
  Attribution(AttributionOptions options, WorkloadTable* table,
              std::function<absl::Time()> clock = absl::Now);

  // While true, created cgroups existed before the agent watched (WatchRoot's scan).
  void SetScanningExisting(bool scanning) { scanning_existing_ = scanning; }
  // Receives the denials of records created from now on (BreakWatch); null: none.
  void SetDenialListener(DenialListener* listener) { denial_listener_ = listener; }

  observer::ObservationSink* OnCgroupCreated(uint64_t cgroup_id,
                                             const std::string& relative_path) override;
  void OnWorkloadExec(uint64_t cgroup_id, absl::Time t) override;
  void OnCgroupRemoved(uint64_t cgroup_id) override;

  // Attributes the waiting records whose pod names them; drops removed ones past the grace.
  void Attribute(const PodIndex& pods, OwnerResolver& owners);
  const AttributionCounters& counters() const { return counters_; }

 private:
  bool Excluded(const PodInfo& pod) const;

  AttributionOptions options_;
  WorkloadTable* table_;
  std::function<absl::Time()> clock_;
  bool scanning_existing_ = false;
  DenialListener* denial_listener_ = nullptr;
  // Records not (yet) handed to the table: waiting for a status, or excluded.
  std::map<uint64_t, std::unique_ptr<CgroupRecord>> waiting_;
  AttributionCounters counters_;
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_ATTRIBUTION_H_
