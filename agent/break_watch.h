// The agent's after-apply watch (docs/cluster.md, "After apply: breaks and self-healing"):
// denials that hit containers of this node (CgroupRecord → OnDenial, on the polling thread,
// only buffered here) are judged against each RemediationProposal in phase Applied (an
// informer on every namespace) by break_rules.h, and this node's entry of the proposal's
// status.breaks is written with a merge patch conditional on the resourceVersion (retried on
// conflicts, so agents on several nodes and the controller do not overwrite each other).
//
// Only denials at or after status.applied.time count (pods that started before the patch
// ran without it). The entry is written when its content changes, at most every
// `report_interval`, from a thread of its own (never the polling thread). An entry for an
// earlier application (another appliedTime) is removed when nothing broke since. The entry
// stays when the proposal leaves Applied (a revert keeps the evidence of why).
// Failed capability checks that learning saw too are not breaks: the proposal's merged
// WorkloadProfile (status.profile) is read once per application for them.
#ifndef MINPRIV_AGENT_BREAK_WATCH_H_
#define MINPRIV_AGENT_BREAK_WATCH_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/break_rules.h"
#include "agent/denial_listener.h"
#include "kube/reflector.h"
#include "kube/rest_client.h"

namespace minpriv::agent {

struct BreakWatchOptions {
  std::string node;
  absl::Duration report_interval = absl::Seconds(5);
  // Denials of a workload without an applied proposal are kept this long (the informer may
  // show the proposal Applied a little after its first pods run).
  absl::Duration keep_unapplied = absl::Minutes(1);
  size_t max_denials_per_workload = 512;
};

struct BreakCounters {
  uint64_t denials = 0;         // denials received (after the workload's exec)
  uint64_t denials_dropped = 0; // over max_denials_per_workload
  uint64_t breaks = 0;          // breaks in the entries written last (gauge)
  uint64_t status_patches = 0;
  uint64_t errors = 0;
};

class BreakWatch : public DenialListener {
 public:
  BreakWatch(kube::RestClient client, BreakWatchOptions options,
             std::function<absl::Time()> clock = absl::Now);
  ~BreakWatch() override;  // Stop()

  // Starts the informer, waits up to `timeout` for its first list, then reports every
  // report_interval on a thread of its own. Tests may call Report() themselves instead
  // (`start_worker` false).
  absl::Status Start(absl::Duration timeout = absl::Seconds(30), bool start_worker = true);
  void Stop();

  void OnDenial(const ContainerDenial& d) override;
  // True for the workloads with a proposal in phase Applied in the informer's cache (kept
  // current by its events, not only at Report()).
  bool WantsDenialsOf(const std::string& workload_key) const override;
  // One round over the applied proposals in the informer's cache.
  absl::Status Report();

  BreakCounters counters() const;
  std::string Metrics() const;  // Prometheus text (thread-safe)

 private:
  struct Learned {
    std::string applied_time;
    LearnedDenials denials;
  };
  // The learned denials of the proposal `key` applied at `applied_time` (cached).
  absl::StatusOr<const LearnedDenials*> LearnedFor(const std::string& key, const std::string& ns,
                                                   const std::string& profile,
                                                   const std::string& applied_time);
  // Sets (`entry`) or removes (nullopt) this node's entry, retrying on conflicts.
  absl::Status PatchEntry(const std::string& ns, const std::string& name,
                          const std::optional<nlohmann::json>& entry);

  kube::RestClient client_;
  const BreakWatchOptions options_;
  std::function<absl::Time()> clock_;
  std::unique_ptr<kube::Reflector> reflector_;
  std::thread worker_;
  std::map<std::string, Learned> learned_;  // by proposal key; Report() only

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Raw denials by workload key (WorkloadRef::Key()), in arrival order.
  std::map<std::string, std::vector<ContainerDenial>> denials_ ABSL_GUARDED_BY(mu_);
  BreakCounters counters_ ABSL_GUARDED_BY(mu_);
  // Proposal key → its workload's key, for the proposals in phase Applied.
  std::map<std::string, std::string> applied_workloads_ ABSL_GUARDED_BY(mu_);
  void Track(const nlohmann::json& proposal, bool deleted);
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_BREAK_WATCH_H_
