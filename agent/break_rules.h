// Whether an applied proposal caused a denial, and the break it is (crd::BreakItem): pure
// rules over the proposal's status, so they are tested without a kernel or an API server.
//   - kSyscall: the container's seccomp profile (status.containers[].seccompProfile, the body
//     in status.seccompProfiles) does not allow the syscall → kind "seccomp". Another EPERM
//     (a syscall the profile allows) is not the profile's doing.
//   - kFileWrite with EROFS while the proposal sets readOnlyRootFilesystem → "readOnlyRoot".
//     EACCES/EPERM writes are left to the failed capability check that explains them.
//   - kCapability: a failed check of a capability the proposed securityContext does not add,
//     unless learning saw the same check (capability and call site) fail too → "capability".
//   - Network: NetworkPolicy drops happen in the CNI's datapath, which the agent does not see;
//     no rule produces kind "network" yet.
#ifndef MINPRIV_AGENT_BREAK_RULES_H_
#define MINPRIV_AGENT_BREAK_RULES_H_

#include <optional>
#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "agent/denial_listener.h"
#include "crd/remediation_proposal.h"

namespace minpriv::agent {

// True when the OCI seccomp profile (defaultAction, syscalls[{names|name, action}]) lets
// `syscall` run for some arguments: an ALLOW or LOG rule naming it, or such a default.
bool SeccompProfileAllows(const nlohmann::json& profile, const std::string& syscall);

// Denied capability checks seen while learning, per container: {capability, call site}.
using LearnedDenials = std::set<std::pair<std::string, std::pair<std::string, std::string>>>;

// The break `d` is for `status` (an applied proposal), or nullopt when the proposal did not
// cause it. `learned`: the learned profile's denied checks ({container, {capability, site}}).
// first_seen and count are left to the caller.
std::optional<crd::BreakItem> ClassifyDenial(const ContainerDenial& d,
                                             const crd::ProposalStatus& status,
                                             const LearnedDenials& learned);

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_BREAK_RULES_H_
