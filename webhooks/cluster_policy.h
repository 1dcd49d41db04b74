// Cluster mode's conversions, pure (no I/O): an approved RemediationProposal (+ the workload it
// targets, as read from the cluster) → the ApprovedPolicy the webhook enforces, and the
// settings resources (ClusterMinprivSettings, MinprivSettings) → mode overrides.
//
// The approved pod template: the workload's pod template as the webhook read it for this
// version of the proposal (its pod-level settings: host namespaces, hostPath volumes, host
// ports, the containers' other fields), with the proposal's content laid over it: each
// proposed container's securityContext replaces the workload's, its added volumeMounts and
// the added volumes join. Without the workload (not found), the proposal's containers alone.
#ifndef MINPRIV_WEBHOOKS_CLUSTER_POLICY_H_
#define MINPRIV_WEBHOOKS_CLUSTER_POLICY_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crd/remediation_proposal.h"
#include "nlohmann/json.hpp"
#include "webhooks/policy.h"

namespace minpriv::webhooks {

// Whether the webhook enforces this proposal: spec.decision Approved and status.phase
// Approved or Applied (the controller has validated it; Superseded, Rejected and Failed are
// not enforced).
bool IsEnforced(const crd::RemediationProposal& proposal);

// The policy of an enforced proposal. `workload` is the live object of spec.target (null or
// not an object when it could not be read). InvalidArgument for a target kind the webhook
// does not know.
absl::StatusOr<std::shared_ptr<const ApprovedPolicy>> PolicyFromProposal(
    const crd::RemediationProposal& proposal, const nlohmann::json& workload);

// The modes the settings set: the ClusterMinprivSettings named "default" (cluster), each
// namespace's MinprivSettings named "default" (namespace, and its workloads entries). Objects
// that do not decode are skipped and named in `errors` (when not null).
ModeOverrides ModeOverridesFromSettings(const std::vector<nlohmann::json>& cluster_settings,
                                        const std::vector<nlohmann::json>& namespace_settings,
                                        std::vector<std::string>* errors);

}  // namespace minpriv::webhooks

#endif  // MINPRIV_WEBHOOKS_CLUSTER_POLICY_H_
