// The cluster-mode policy source: informers (kube/reflector.h) on the RemediationProposals,
// the settings (ClusterMinprivSettings, MinprivSettings), ReplicaSets and Jobs. A builder
// thread turns the cached proposals and settings into a PolicySnapshot whenever one changes
// (cluster_policy.h), reading each approved proposal's workload once per proposal version;
// the ReplicaSet and Job informers keep an owner cache (ReplicaSet → Deployment,
// Job → CronJob). Everything the request path reads is in memory: a snapshot swapped
// atomically and the owner cache under a reader lock; no API call is ever made for a request.
#ifndef MINPRIV_WEBHOOKS_CLUSTER_SOURCE_H_
#define MINPRIV_WEBHOOKS_CLUSTER_SOURCE_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/reflector.h"
#include "kube/rest_client.h"
#include "webhooks/policy.h"

namespace minpriv::webhooks {

class ClusterSource : public SnapshotHolder, public OwnerLookup {
 public:
  struct Options {
    // How often a proposal whose workload could not be read is retried.
    absl::Duration retry_interval = absl::Seconds(10);
  };
  // Starts the informers and the builder thread; ready (Ready()) once every informer has
  // listed and the first snapshot is published.
  static absl::StatusOr<std::unique_ptr<ClusterSource>> Start(kube::RestClient client,
                                                              Options options);
  static absl::StatusOr<std::unique_ptr<ClusterSource>> Start(kube::RestClient client) {
    return Start(std::move(client), Options());
  }
  ~ClusterSource() override;  // Stop()
  void Stop();

  bool Ready() const override;
  const OwnerLookup* Owners() const override { return this; }
  std::optional<ControllerRef> ControllerOf(std::string_view namespace_, std::string_view kind,
                                            std::string_view name) const override;
  // Waits (without spinning) until Ready() or the timeout.
  bool WaitReady(absl::Duration timeout) const;

 private:
  struct CachedWorkload {
    std::string proposal_version;  // the proposal's resourceVersion it was read for
    nlohmann::json object;         // null: not found (retried)
  };

  ClusterSource(kube::RestClient client, Options options);
  kube::EventHandlers Notify();
  kube::EventHandlers TrackOwners(const char* kind);
  void SetOwner(const nlohmann::json& object, const char* kind, bool deleted);
  void Build();  // builder thread
  // Whether every informer has listed.
  bool Synced() const;

  kube::RestClient client_;
  Options options_;
  std::unique_ptr<kube::Reflector> proposals_, cluster_settings_, settings_, replicasets_, jobs_;
  std::map<std::string, CachedWorkload> workloads_;  // builder thread only, by proposal key
  std::thread builder_;

  mutable absl::Mutex mu_;
  mutable absl::CondVar cv_;
  bool dirty_ ABSL_GUARDED_BY(mu_) = true;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> published_{false};

  mutable absl::Mutex owners_mu_;
  std::map<std::string, ControllerRef, std::less<>> owners_ ABSL_GUARDED_BY(owners_mu_);
};

}  // namespace minpriv::webhooks

#endif  // MINPRIV_WEBHOOKS_CLUSTER_SOURCE_H_
