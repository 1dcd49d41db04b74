// Conditions on a RemediationProposal's status, as the controller's steps set them.
#ifndef MINPRIV_CONTROLLER_CONDITIONS_H_
#define MINPRIV_CONTROLLER_CONDITIONS_H_

#include <cstdint>
#include <string>

#include "crd/remediation_proposal.h"

namespace minpriv::controller {

// Sets condition `type` (one per type, sorted by type), keeping its lastTransitionTime while
// its status does not change.
void SetCondition(crd::ProposalStatus& st, const std::string& type, crd::ConditionStatus status,
                  const std::string& reason, const std::string& message, int64_t generation);

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_CONDITIONS_H_
