// Whether an approved proposal's seccomp profiles are on every node that needs them, so that
// patching the workload with a Localhost profile cannot leave a pod unable to start
// (the kubelet refuses a container whose localhostProfile file is missing).
//
// The nodes that need them: those of the workload's partial WorkloadProfiles (every node
// where an agent saw it run, so where it may run again) plus those of its running pods. A
// node counts as having them when its agent's entry in status.seccompInstalls names every
// profile and carries the digest of their current content (a re-proposal with new content
// waits for the agents again).
#ifndef MINPRIV_CONTROLLER_SECCOMP_GATE_H_
#define MINPRIV_CONTROLLER_SECCOMP_GATE_H_

#include <set>
#include <string>
#include <vector>

#include "crd/remediation_proposal.h"

namespace minpriv::controller {

struct SeccompGate {
  bool installed = false;
  std::string reason;   // InstalledOnAllNodes | NoSeccompProfile | WaitingForNodes
  std::string message;  // names the missing nodes while waiting
  std::vector<std::string> missing;  // sorted
};

SeccompGate CheckSeccompInstalled(const crd::ProposalStatus& status,
                                  const std::set<std::string>& nodes);

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_SECCOMP_GATE_H_
