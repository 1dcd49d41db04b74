// The level-triggered reconcile of one workload key: read the informers' caches, converge the
// merged WorkloadProfile (merge.h) and the RemediationProposal (proposal_step.cc: propose,
// apply an approved proposal, revert a rejected one), write only what changed, and say when
// to look again (a learning window ending). Idempotent: a second run with the same caches
// writes nothing.
#ifndef MINPRIV_CONTROLLER_RECONCILER_H_
#define MINPRIV_CONTROLLER_RECONCILER_H_

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/delivery.h"
#include "controller/events.h"
#include "controller/inventory.h"
#include "controller/merge.h"
#include "controller/metrics.h"
#include "controller/owners.h"
#include "controller/resources.h"
#include "controller/settings_cache.h"
#include "crd/remediation_proposal.h"
#include "kube/rest_client.h"
#include "kube/store.h"

namespace minpriv::controller {

// What this controller wrote last, per object, until the informer's cache has caught up: a
// reconcile that runs before the watch event of its own previous write arrives reads the
// written object, not the stale one (no conflicting rewrite, no escalating backoff).
class MutationCache {
 public:
  void Remember(const std::string& key, const nlohmann::json& object);
  std::optional<nlohmann::json> Newest(const kube::Store& store, const std::string& key);

 private:
  absl::Mutex mu_;
  std::map<std::string, nlohmann::json> written_ ABSL_GUARDED_BY(mu_);
};

// The partial profiles of each workload (store keys), kept by the profiles informer.
class PartialIndex {
 public:
  void Upsert(const nlohmann::json& profile);
  void Remove(const nlohmann::json& profile);
  std::vector<std::string> Of(const std::string& workload_key) const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::set<std::string>> by_workload_ ABSL_GUARDED_BY(mu_);
};

struct Caches {
  const PartialIndex* partials = nullptr;
  const kube::Store* profiles = nullptr;
  const kube::Store* proposals = nullptr;
  const kube::Store* pods = nullptr;
  const kube::Store* services = nullptr;
  const kube::Store* namespaces = nullptr;
  const kube::Store* endpoint_slices = nullptr;  // null: no EndpointSlices in the inventory
  const SettingsCache* settings = nullptr;       // null: the flags for every workload
  WorkloadStores workloads;  // kind → store (Pod: the pods store)
};

inline InventorySources InventoryOf(const Caches& c) {
  return {c.pods, c.services, c.namespaces, c.endpoint_slices};
}

struct ReconcilerOptions {
  // The flags: settings (Caches::settings) override them per namespace and workload.
  Windows windows;
  crd::Delivery delivery = crd::Delivery::kApply;
  // spec.delivery: PullRequest (not owned); null: PendingPullRequestDelivery.
  Delivery* pull_request = nullptr;
  // Shadow mode: a Proposed proposal is ProvenOnLiveTraffic after this long without a
  // would-be break on every node (shadow_gate.h).
  absl::Duration shadow_period = absl::Hours(24);
};

struct ReconcileResult {
  absl::Status status;
  std::optional<absl::Duration> requeue_after;
};

class Reconciler {
 public:
  Reconciler(kube::RestClient client, Caches caches, InventoryCache* inventory,
             ReconcilerOptions options, Metrics* metrics)
      : client_(std::move(client)),
        caches_(std::move(caches)),
        inventory_(inventory),
        options_(options),
        metrics_(metrics),
        events_(client_, metrics),
        apply_delivery_(client_, metrics),
        pull_request_delivery_(options.pull_request != nullptr ? options.pull_request
                                                               : &pending_pull_request_) {}

  ReconcileResult Reconcile(const WorkloadKey& key);

 private:
  // The proposal's state machine (proposal_step.cc). `nodes`: those that need its seccomp
  // profiles before it is applied (see seccomp_gate.h).
  // *requeue_after: in, when the merge asks to be called again; out, the soonest of that, the
  // delivery's (delivery.h) and the shadow period's (shadow_gate.h).
  absl::Status ReconcileProposal(const WorkloadKey& key, const nlohmann::json& workload,
                                 const MergeResult& merged,
                                 const crd::EffectiveSettings& settings,
                                 const std::set<std::string>& nodes,
                                 std::optional<absl::Duration>* requeue_after);
  absl::Status WriteMergedProfile(const WorkloadKey& key, const MergeResult& merged,
                                  const std::optional<nlohmann::json>& existing);
  absl::StatusOr<nlohmann::json> CreateProposal(const WorkloadKey& key,
                                                const nlohmann::json& workload);

  kube::RestClient client_;
  Caches caches_;
  InventoryCache* inventory_;
  ReconcilerOptions options_;
  Metrics* metrics_;
  EventRecorder events_;
  ApplyDelivery apply_delivery_;
  PendingPullRequestDelivery pending_pull_request_;
  Delivery* pull_request_delivery_;
  MutationCache written_profiles_;
  MutationCache written_proposals_;
};

// The workload object with apiVersion and kind set (list items lack them).
nlohmann::json WithKind(nlohmann::json workload, const WorkloadKey& key);

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_RECONCILER_H_
