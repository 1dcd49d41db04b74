// Narrowing of the user a container runs as: runAsNonRoot, runAsUser, runAsGroup (contract
// in narrowing.h).
#ifndef MINPRIV_REMEDIATOR_NARROW_USERS_H_
#define MINPRIV_REMEDIATOR_NARROW_USERS_H_

#include "crd/workload_profile.h"
#include "remediator/proposer.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::remediator {

// Nothing observed: unchanged. Ran as root: unchanged, with what needed root as a risk (reads
// `out.caps_added`: call it after NarrowCapabilities). Otherwise `runAsNonRoot: true` unless
// already in effect (container or `pod_sc`) or the manifest sets `runAsUser: 0` (the kubelet
// rejects the two together: a risk instead), and `runAsUser`/`runAsGroup` when exactly one
// was observed and the manifest sets none; a manifest value that differs is kept (a risk).
void NarrowUsers(YAML::Node sc, const YAML::Node& pod_sc, const crd::ContainerProfile& prof,
                 ContainerProposal& out);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_NARROW_USERS_H_
