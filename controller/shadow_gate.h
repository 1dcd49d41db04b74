// Shadow mode on the controller's side, as pure functions: condition ProvenOnLiveTraffic of a
// Proposed proposal from the agents' status.shadow entries, and the evidence a proposal widened
// from would-be breaks carries.
//
// Only entries whose proposalDigest is the current content's (crd::ProposalContentDigest)
// count. Any would-be break in them: False, reason WouldBreak, naming node, container and what.
// Otherwise True (reason NoWouldBeBreaks) once every node that runs or ran the workload
// (`nodes`, as for the seccomp gate) has reported for at least `period`; until then Unknown,
// reason ShadowPeriodNotElapsed, with when it will have (requeue_after: the soonest).
#ifndef MINPRIV_CONTROLLER_SHADOW_GATE_H_
#define MINPRIV_CONTROLLER_SHADOW_GATE_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "crd/remediation_proposal.h"

namespace minpriv::controller {

struct NodeBreak {
  std::string node;
  crd::ShadowBreak would_be;
};

struct ShadowVerdict {
  crd::ConditionStatus status = crd::ConditionStatus::kUnknown;
  std::string reason;
  std::string message;
  std::optional<absl::Duration> requeue_after;
  std::vector<NodeBreak> breaks;  // for the current content, by node then break
};

ShadowVerdict CheckShadow(const crd::ProposalStatus& status, const std::set<std::string>& nodes,
                          absl::Time now, absl::Duration period);

inline constexpr char kWidenedChangePrefix[] = "widened: ";

// "widened from a would-be break on node N" evidence, one per break (sorted).
std::vector<crd::ChangeEvidence> WidenedEvidence(const std::vector<NodeBreak>& breaks);

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_SHADOW_GATE_H_
