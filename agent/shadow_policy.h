// Shadow mode's judgement, as pure functions: what a Proposed RemediationProposal would
// enforce on each container (remediator::ContainerPolicy, built by the remediator's own
// PolicyFromWorkload from the live pod with the proposal's changes applied), and which newly
// observed behaviours it would deny (remediator::Evaluate: the same rules `minpriv verify`
// and the admission webhook use; no second copy here), as status.shadow's would-be breaks.
//
// What the agent can and cannot judge: syscalls (the proposed seccomp allow list),
// capabilities (the proposed effective set; probe-only checks never reach the profile),
// writes under a proposed read-only root (the pod's own writable mounts plus the proposed
// ones), and ingress/egress peers and ports against the proposed NetworkPolicy: ipBlocks and
// ports exactly, selector peers only by the addresses they were resolved from when proposed
// (annotation minpriv.dev/resolved-peers), so a selected pod that got a new address is
// reported although the policy would admit it. Exec privilege gains and user changes are not
// reported (no kind in status.shadow for them).
#ifndef MINPRIV_AGENT_SHADOW_POLICY_H_
#define MINPRIV_AGENT_SHADOW_POLICY_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crd/remediation_proposal.h"
#include "crd/workload_profile.h"
#include "remediator/evaluator.h"

namespace minpriv::agent {

// The policy of every container the proposal changes, by container name. `live_pod`: a pod
// of the workload (its volumes and mounts stay; without it only the proposed mounts count).
absl::StatusOr<std::map<std::string, remediator::ContainerPolicy>> ProposedPolicies(
    const crd::ProposalStatus& status, const std::string& ns,
    const std::optional<nlohmann::json>& live_pod);

// The would-be breaks of `observed` (one container's facts) under `policy`, sorted. `process`
// names the process of a fact where the observer knows it, keyed "write <path>" (capability
// uses carry their binary); `now` is the first-seen of facts without one (syscalls, DNS).
std::vector<crd::ShadowBreak> WouldBeBreaks(const remediator::ContainerPolicy& policy,
                                            const crd::ContainerProfile& observed,
                                            const std::map<std::string, std::string>& process,
                                            absl::Time now);

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_SHADOW_POLICY_H_
