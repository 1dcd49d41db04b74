// `minpriv agent`'s engine: the pods of this node from a reflector (fieldSelector
// spec.nodeName=NODE), minpriv's settings from two more (learning: false excludes a
// namespace or workload), the Attribution that turns observed cgroups into containers of
// workloads, and the WorkloadTable that publishes their partial profiles. Attribution and
// the table run on the observer's polling thread (Run, or a test calling the factory and
// Tick directly); every API call they need (owner reads, partial profile reads and writes)
// runs on the ApiWorker's thread, so polling never waits on the network. The metrics text
// is the only thing read from elsewhere.
#ifndef MINPRIV_AGENT_AGENT_H_
#define MINPRIV_AGENT_AGENT_H_

#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/api_worker.h"
#include "agent/async_owner_resolver.h"
#include "agent/async_profile_store.h"
#include "agent/attribution.h"
#include "agent/owner_resolver.h"
#include "agent/pod_info.h"
#include "agent/profile_store.h"
#include "agent/settings_watch.h"
#include "agent/shadow_check.h"
#include "agent/workload_table.h"
#include "kube/reflector.h"
#include "kube/rest_client.h"
#include "observer/node_observer.h"

namespace minpriv::agent {

inline const kube::ResourceRef kPods{"", "v1", "pods", true};

struct AgentOptions {
  std::string node;
  AttributionOptions attribution;
  absl::Duration publish_interval = absl::Seconds(5);
  absl::Duration linger = absl::Seconds(5);
  absl::Duration poll_timeout = absl::Milliseconds(200);
  // Occurrence counts come from the observer at Drain(): this often (and at the end).
  absl::Duration drain_interval = absl::Seconds(5);
  // API calls queued at once (distinct objects); more wait for a later tick.
  size_t max_api_queue = 4096;
  // At a stop, how long the final publication may wait for the API server.
  absl::Duration final_timeout = absl::Seconds(20);
  // Exclusions from ClusterMinprivSettings / MinprivSettings, when their CRDs are served.
  bool watch_settings = true;
  // Shadow mode (shadow_check.h): check Proposed proposals against live traffic.
  bool shadow = false;
  absl::Duration shadow_refresh = absl::Minutes(1);
};

// How the agent reaches the API off the polling thread; tests replace either (e.g. with a
// server that stalls). Empty members: the agent's client.
struct AgentApi {
  std::unique_ptr<ProfileStore> profiles;
  OwnerResolver::Getter get;
};
class Agent {
 public:
  Agent(kube::RestClient client, AgentOptions options,
        std::function<absl::Time()> clock = absl::Now, AgentApi api = {});
  ~Agent();

  // Starts the pod reflector (and the settings ones) and waits up to `timeout` for their
  // first lists.
  absl::Status Start(absl::Duration timeout = absl::Seconds(30));
  void Stop();

  observer::CgroupSinkFactory* factory() { return &attribution_; }
  Attribution& attribution() { return attribution_; }

  // One round: the node's pods → attribution → publishing (queued for the API worker; its
  // results are taken in by a later round). `node`: the observer's counters (drops, capacity)
  // the partials report; `final`: publish everything now, marked stopped, and wait (up to
  // final_timeout) until it is written.
  void Tick(const NodeCounters& node, bool final = false);
  // Waits up to `timeout` until the API worker is idle and takes in its results (tests).
  bool WaitForApi(absl::Duration timeout = absl::Seconds(10));

  // Watches `cgroup_root` with `observer`, polls and ticks until `stop`, then drains and
  // publishes everything (so a clean stop loses nothing) and detaches.
  absl::Status Run(observer::NodeObserver& observer, const std::string& cgroup_root,
                   const std::atomic<bool>& stop);

  // True once Run watches its root (the observer tracks new cgroups): readiness (thread-safe).
  bool watching() const { return watching_.load(); }

  // Prometheus text of the latest Tick (thread-safe).
  std::string Metrics() const;
  // Counters of the latest Tick (for tests; polling thread).
  const TableCounters& table_counters() const { return table_.counters(); }
  const AttributionCounters& attribution_counters() const { return attribution_.counters(); }
  ApiWorkerCounters api_counters() const { return worker_.counters(); }
  // Shadow mode's counters (zero when it is off).
  ShadowCounters shadow_counters() const { return shadow_ ? shadow_->counters() : ShadowCounters{}; }

 private:
  void RenderMetrics(const std::optional<observer::NodeStats>& stats);
  void Flush(const NodeCounters& node);
  // The observer reports denials of the cgroups the denial listener wants (its workloads
  // with an applied proposal) and of those whose workload is not known yet; off for the
  // others (docs/cluster.md, "After apply").
  void UpdateDenialWatch(observer::NodeObserver& observer);

  kube::RestClient client_;
  AgentOptions options_;
  std::function<absl::Time()> clock_;
  ApiWorker worker_;  // stopped first in ~Agent: its tasks use the members below
  std::unique_ptr<ProfileStore> store_;
  AsyncProfileStore async_store_;
  std::unique_ptr<ShadowCheck> shadow_;  // before the records, whose taps it outlives
  WorkloadTable table_;
  Attribution attribution_;
  SettingsWatch settings_;
  AsyncOwnerResolver owners_;
  PodIndex pods_;
  std::unique_ptr<kube::Reflector> reflector_;
  std::atomic<bool> pods_changed_{true};
  std::atomic<bool> watching_{false};
  absl::Time last_pod_refresh_ = absl::InfinitePast();
  std::optional<observer::NodeStats> last_stats_;
  std::set<uint64_t> denials_off_;  // cgroups UpdateDenialWatch switched off

  mutable absl::Mutex metrics_mu_;
  std::string metrics_ ABSL_GUARDED_BY(metrics_mu_);
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_AGENT_H_
