// The approved policies the webhook enforces and where they come from. A source (a proposal
// directory today, the cluster's RemediationProposals through an informer later) publishes
// immutable snapshots; the request path reads the current one and never blocks on I/O.
#ifndef MINPRIV_WEBHOOKS_POLICY_H_
#define MINPRIV_WEBHOOKS_POLICY_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "webhooks/pod_security.h"

namespace minpriv::webhooks {

enum class Mode { kOff, kAudit, kEnforce };
absl::StatusOr<Mode> ParseMode(std::string_view text);
const char* ModeName(Mode mode);

// "NAMESPACE/KIND/NAME"; the namespace is "*" for an approved workload without one (it
// applies in every namespace, as its learned profile does).
std::string WorkloadKey(std::string_view namespace_, std::string_view kind, std::string_view name);

// Why each approved setting is what it is, per container: the learned evidence.
struct ContainerEvidence {
  std::string capabilities;  // e.g. "needed CHOWN (setattr_prepare by /bin/chown)" or "needed none"
  std::string writes;        // e.g. "wrote under /tmp, /var/cache/nginx"
  std::string users;         // e.g. "ran as uid 101"
};

struct ApprovedPolicy {
  std::string key;  // WorkloadKey
  std::string kind, name, namespace_;
  std::string source;          // where it was approved, e.g. "DIR/narrowed.yaml:42:1"
  std::string profile_source;  // the learned profile, e.g. "DIR/profiles/shop-shop-web.yaml"
  json pod_template;           // the approved {metadata, spec}
  PodSecurity security;        // read from pod_template
  std::map<std::string, ContainerEvidence> evidence;  // by container name
};

// Who may change minpriv's settings sets these (the proposal directory's settings file, the
// cluster's ClusterMinprivSettings/MinprivSettings); the request's own labels and annotations
// never do.
struct ModeOverrides {
  std::optional<Mode> cluster;             // the cluster's default (over --default-mode)
  std::map<std::string, Mode> namespaces;  // namespace → mode
  std::map<std::string, Mode> workloads;   // WorkloadKey → mode
};

class PolicySnapshot {
 public:
  PolicySnapshot() = default;
  PolicySnapshot(std::map<std::string, std::shared_ptr<const ApprovedPolicy>> policies,
                 ModeOverrides overrides)
      : policies_(std::move(policies)), overrides_(std::move(overrides)) {}

  // The policy approved for this workload (exact namespace first, then "*"), or nullptr.
  const ApprovedPolicy* Find(std::string_view namespace_, std::string_view kind,
                             std::string_view name) const;
  // Workload override, then namespace override, then the cluster's, then `fallback`.
  Mode ModeFor(const ApprovedPolicy& policy, std::string_view request_namespace,
               Mode fallback) const;
  size_t size() const { return policies_.size(); }

 private:
  std::map<std::string, std::shared_ptr<const ApprovedPolicy>> policies_;
  ModeOverrides overrides_;
};

// The controller of a ReplicaSet or a Job, as the cluster says (its ownerReferences).
struct ControllerRef {
  std::string kind;  // "Deployment", "CronJob", ...
  std::string name;
};

// Owner lookups from a cache (never an API call on the request path).
class OwnerLookup {
 public:
  virtual ~OwnerLookup() = default;
  // nullopt: the object is not known (the caller falls back to the controllers' naming);
  // a ControllerRef with an empty kind: known, without a controller.
  virtual std::optional<ControllerRef> ControllerOf(std::string_view namespace_,
                                                    std::string_view kind,
                                                    std::string_view name) const = 0;
};

// A source of approved policies. Snapshot() is cheap and thread-safe (an atomic load).
class ApprovedPolicySource {
 public:
  virtual ~ApprovedPolicySource() = default;
  virtual std::shared_ptr<const PolicySnapshot> Snapshot() const = 0;
  // Whether a first complete snapshot has been published (/readyz).
  virtual bool Ready() const = 0;
  // The owner cache, where the source has one (cluster mode); nullptr otherwise.
  virtual const OwnerLookup* Owners() const { return nullptr; }
};

// The shared machinery: holds the current snapshot, swapped atomically.
class SnapshotHolder : public ApprovedPolicySource {
 public:
  std::shared_ptr<const PolicySnapshot> Snapshot() const override;
  bool Ready() const override { return ready_.load(); }
  void Publish(std::shared_ptr<const PolicySnapshot> snapshot);

 private:
  std::atomic<std::shared_ptr<const PolicySnapshot>> current_{
      std::make_shared<const PolicySnapshot>()};
  std::atomic<bool> ready_{false};
};

}  // namespace minpriv::webhooks

#endif  // MINPRIV_WEBHOOKS_POLICY_H_
