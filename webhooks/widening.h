// Compares what a request grants with what was approved: every way the request is wider,
// named with the approved value and the evidence for it. Narrower or equal is never reported.
#ifndef MINPRIV_WEBHOOKS_WIDENING_H_
#define MINPRIV_WEBHOOKS_WIDENING_H_

#include <string>
#include <vector>

#include "webhooks/pod_security.h"
#include "webhooks/policy.h"

namespace minpriv::webhooks {

struct Widening {
  // Stable reason code (metrics label, tests): capability, privileged,
  // allowPrivilegeEscalation, readOnlyRootFilesystem, writableMount, seccomp, runAsNonRoot,
  // runAsUser, hostPath, hostNetwork, hostPID, hostIPC, hostPort, container.
  std::string reason;
  std::string container;  // empty for pod-level settings
  std::string requested;  // what the request grants
  std::string approved;   // what was approved
  std::string evidence;   // why (learned evidence, where it was approved)
  // "container app: capability SYS_ADMIN added (approved: CHOWN; evidence: ...)".
  std::string Describe() const;
};

// Sorted by container (pod level first), then reason, then requested value.
std::vector<Widening> FindWidenings(const ApprovedPolicy& approved, const PodSecurity& requested);

// The pods/ephemeralcontainers subresource: each ephemeral container of `requested` that
// `existing` (the pod before the update) does not have yet is checked like a container,
// against the approved container it targets (targetContainerName) or, without a target,
// against the approved container it is closest to (the fewest widenings): a debug container
// may do what one of the pod's containers was approved to do, nothing more.
std::vector<Widening> FindEphemeralWidenings(const ApprovedPolicy& approved,
                                             const PodSecurity& requested,
                                             const PodSecurity& existing);

}  // namespace minpriv::webhooks

#endif  // MINPRIV_WEBHOOKS_WIDENING_H_
