// How an approved RemediationProposal reaches its workload. The reconciler (proposal_step.cc)
// decides *when* (approved, seccomp profile installed, content current); a Delivery decides
// *how*: ApplyDelivery patches the live object (spec.delivery: Apply), a GitOps delivery
// opens a pull request against the workload's sources (spec.delivery: PullRequest; plugged in
// through ReconcilerOptions::pull_request, see gitops/). Until one is plugged in,
// PendingPullRequestDelivery keeps such proposals Approved with condition
// Delivered=False, reason PullRequestDeliveryPending.
//
// Contract: Deliver is called on every reconcile of an approved proposal whose content is
// current, until it returns kDelivered with `applied` (and, for a pull request, on later
// reconciles too so that the pull request's state is followed: a result with `requeue_after`
// makes the reconciler look again after that long without another trigger, e.g. to record
// that an open pull request was merged or closed). It must be idempotent
// (find its earlier pull request again rather than open a second one) and must not block for
// long (a worker thread waits for it).
#ifndef MINPRIV_CONTROLLER_DELIVERY_H_
#define MINPRIV_CONTROLLER_DELIVERY_H_

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/metrics.h"
#include "controller/owners.h"
#include "controller/resources.h"
#include "crd/remediation_proposal.h"
#include "kube/rest_client.h"

namespace minpriv::controller {

// Condition type: whether the approved proposal has been delivered (applied, or a pull
// request opened), with the delivery's reason.
inline constexpr char kConditionDelivered[] = "Delivered";

// An approved proposal, as a Delivery sees it.
struct Proposal {
  WorkloadKey key;
  const nlohmann::json* workload = nullptr;  // the live object, apiVersion and kind set
  const crd::RemediationProposal* resource = nullptr;  // its status holds patch, policy, …
  int64_t revision = 0;                                // minpriv.dev/revision
};

struct DeliveryResult {
  enum class Outcome {
    kDelivered,     // applied (`applied` set) or a pull request is open/merged (`pull_request`)
    kPending,       // not yet; the proposal stays Approved, Delivered=False with reason/message
    kStale,         // the workload changed since it was proposed: nothing was changed,
                    // the reconciler re-proposes (message says what differed)
    kNotAppliable,  // this delivery cannot ever deliver it (reason, message)
  };
  Outcome outcome = Outcome::kPending;
  std::string reason;   // CamelCase, for the Delivered condition
  std::string message;
  std::optional<crd::AppliedRecord> applied;
  std::optional<crd::PullRequestRef> pull_request;
  // Reconcile the workload again after this long (an open pull request's state is rechecked).
  std::optional<absl::Duration> requeue_after;
};

class Delivery {
 public:
  virtual ~Delivery() = default;
  virtual absl::StatusOr<DeliveryResult> Deliver(const Proposal& proposal) = 0;
};

// Where the patch of a workload goes: the workload itself, or for a Job owned by a CronJob,
// the CronJob (a Job's pod template is immutable; its CronJob's jobTemplate is not).
struct PatchTarget {
  const WorkloadKind* kind = nullptr;
  std::string name;
  // Maps a JSON pointer of the workload's pod template to the target's ("/spec/template…" →
  // "/spec/jobTemplate/spec/template…" for a CronJob); identity otherwise.
  std::string Translate(const std::string& pointer) const;
  bool via_owner = false;
};

// FailedPrecondition, saying what to do instead, when the workload cannot be patched in
// place: a bare Pod, a Job no CronJob owns.
absl::StatusOr<PatchTarget> ResolvePatchTarget(const WorkloadKey& key,
                                               const nlohmann::json& workload);

// spec.delivery: Apply. Creates the NetworkPolicy (owned by the workload), then applies the
// proposal's guarded JSON patch to the patch target; a failed `test` (the workload changed)
// removes the NetworkPolicy it created and returns kStale.
class ApplyDelivery : public Delivery {
 public:
  ApplyDelivery(kube::RestClient client, Metrics* metrics)
      : client_(std::move(client)), metrics_(metrics) {}
  absl::StatusOr<DeliveryResult> Deliver(const Proposal& proposal) override;

  // Undoes what `applied` records (its revert patch, its NetworkPolicy). InvalidArgument when
  // the workload changed since (a failed `test`): nothing is undone blindly.
  absl::Status Revert(const WorkloadKey& key, const nlohmann::json& workload,
                      const crd::AppliedRecord& applied);

 private:
  kube::RestClient client_;
  Metrics* metrics_;
};

// spec.delivery: PullRequest until a GitOps delivery is plugged in.
class PendingPullRequestDelivery : public Delivery {
 public:
  absl::StatusOr<DeliveryResult> Deliver(const Proposal& proposal) override;
};

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_DELIVERY_H_
