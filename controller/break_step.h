// What the controller does with the breaks the agents report on an applied proposal
// (status.breaks, written per node by `minpriv agent`; docs/cluster.md, "After apply: breaks
// and self-healing"):
//   - condition Broken: True, reason DeniedAfterApply, naming each break (node, container,
//     what, process) while the entries of the current application (appliedTime =
//     status.applied.time) hold any; False, reason NoBreaks, once a new application has none;
//   - a Warning Event `Broken` on the workload when the set of breaks changes (Events are
//     deduplicated by content, so a repeat or a new leader adds none);
//   - with the resolved settings' revertOnBreak: the revert a rejection uses (the reverse patch,
//     the NetworkPolicy deleted), then phase Failed with condition Applied False, reason
//     RevertedOnBreak (Delivered False, the same reason) and a Warning Event RevertedOnBreak.
//     A workload changed since it was applied is not reverted blindly (Applied True,
//     RevertFailed, as for a rejection).
// A proposal reverted on a break is not re-proposed with the same content: it waits until
// learning widens it with what was denied (the agent adds a syscall seccomp refused to the
// container's profile), then the next revision follows as usual.
#ifndef MINPRIV_CONTROLLER_BREAK_STEP_H_
#define MINPRIV_CONTROLLER_BREAK_STEP_H_

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "controller/delivery.h"
#include "controller/resources.h"
#include "crd/remediation_proposal.h"

namespace minpriv::controller {

inline constexpr char kReasonDeniedAfterApply[] = "DeniedAfterApply";
inline constexpr char kReasonRevertedOnBreak[] = "RevertedOnBreak";

// The breaks of the current application, one line each ("node-a: app: syscall ptrace (curl)"),
// sorted by node then as the agent sorted them.
std::vector<std::string> CurrentBreaks(const crd::ProposalStatus& status);

// Phase Failed after a revert on a break (condition Applied False, RevertedOnBreak).
bool RevertedOnBreak(const crd::ProposalStatus& status);

using RecordEvent =
    std::function<void(const std::string& type, const std::string& reason, const std::string& message)>;

// For a proposal in phase Applied (`status.applied` set): the Broken condition and Event, and
// the revert when `revert_on_break`. Updates `status` and `phase`; an error of the revert other
// than a changed workload is returned (the reconcile is retried).
absl::Status HandleBreaks(ApplyDelivery& delivery, const WorkloadKey& key,
                          const nlohmann::json& workload, const std::string& name,
                          bool revert_on_break, crd::ProposalStatus& status,
                          crd::ProposalPhase& phase, const RecordEvent& record);

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_BREAK_STEP_H_
