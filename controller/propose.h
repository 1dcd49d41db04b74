// The propose step, as a pure function: a workload's (valid) partial profiles + its live
// object + the live inventory → the content of its RemediationProposal's status, through
// the remediator (remediator/proposer.h; no rules of its own). The patch is the remediator's
// RFC 6902 patch against the live object, preceded by `test` operations on the values it
// narrows (the nearest existing ancestor of each changed path), so a workload edited since
// the proposal is never patched blindly.
#ifndef MINPRIV_CONTROLLER_PROPOSE_H_
#define MINPRIV_CONTROLLER_PROPOSE_H_

#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "controller/resources.h"
#include "crd/remediation_proposal.h"
#include "crd/workload_profile.h"
#include "remediator/inventory.h"

namespace minpriv::controller {

struct ProposeInput {
  WorkloadKey key;
  const nlohmann::json* workload = nullptr;  // the live object (from the cache)
  const std::vector<crd::WorkloadProfile>* partials = nullptr;  // names = the workload's
  const std::vector<std::string>* partial_names = nullptr;
  const remediator::Inventory* inventory = nullptr;
};

// Fills containers, volumes, seccomp_profiles, patch, network_policy, evidence, risks and
// numbers (phase, conditions and the rest are the reconciler's). Errors: what the
// remediator refused (InvalidArgument, naming the problem).
absl::StatusOr<crd::ProposalStatus> BuildProposalContent(const ProposeInput& in);

// `test` operations for `ops` against `original`: the value at the nearest existing ancestor
// of each path (add: its parent; replace/remove: the path itself), outermost only, sorted.
nlohmann::json TestOps(const nlohmann::json& original, const nlohmann::json& ops);

// The ops that undo a patch whose `tests` guarded `before` and produced `after`: for each
// tested path, a test of the value in `after` and a replace with the value in `before`.
nlohmann::json RevertOps(const nlohmann::json& tests, const nlohmann::json& after);

// True when the content fields of two statuses (what BuildProposalContent fills) are equal.
bool SameContent(const crd::ProposalStatus& a, const crd::ProposalStatus& b);

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_PROPOSE_H_
