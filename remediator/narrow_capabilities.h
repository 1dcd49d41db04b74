// Narrowing of capabilities, `privileged` and `allowPrivilegeEscalation` (contract in
// narrowing.h).
#ifndef MINPRIV_REMEDIATOR_NARROW_CAPABILITIES_H_
#define MINPRIV_REMEDIATOR_NARROW_CAPABILITIES_H_

#include "crd/workload_profile.h"
#include "remediator/proposer.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::remediator {

// `capabilities: {drop: [ALL], add: [what the profile needs]}` and `privileged: false`. A
// capability whose every check was denied is not added; one the manifest does not grant stays
// denied (a risk). Fills `out.caps_added` (sorted) and `out.caps_dropped` (the runtime's
// default capabilities no longer granted).
void NarrowCapabilities(YAML::Node sc, const crd::ContainerProfile& prof, ContainerProposal& out);

// `allowPrivilegeEscalation: false` unless an exec gained privilege or capability SYS_ADMIN
// is kept (Kubernetes rejects the two together). Reads `out.caps_added`: call it after
// NarrowCapabilities.
void NarrowPrivilegeEscalation(YAML::Node sc, const crd::ContainerProfile& prof,
                               ContainerProposal& out);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_NARROW_CAPABILITIES_H_
