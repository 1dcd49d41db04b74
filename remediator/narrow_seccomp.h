// Narrowing of seccomp: the allow list of one container and the reference to it (contract
// in narrowing.h).
#ifndef MINPRIV_REMEDIATOR_NARROW_SECCOMP_H_
#define MINPRIV_REMEDIATOR_NARROW_SECCOMP_H_

#include <string>

#include "crd/workload_profile.h"
#include "remediator/narrowing.h"
#include "remediator/proposer.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::remediator {

// The file stem of a container's seccomp profile: [<namespace>-]<workload>-<container>.
std::string SeccompName(const std::string& ns, const std::string& workload, const std::string& container);

// The allow list is the observed syscalls plus the runtime's needs (RuntimeRequiredSyscalls).
// The container's seccompProfile becomes `Localhost minpriv/<name>.json`, unless the manifest
// uses its own Localhost profile, or RuntimeDefault while the allow list would exceed it: then
// it is kept (a risk). Fills `out.seccomp_name`, `out.seccomp_allowed` (sorted),
// `out.runtime_only` and `out.seccomp_referenced`. `out.name` must be set.
void NarrowSeccomp(YAML::Node sc, const YAML::Node& pod_sc, const crd::ContainerProfile& prof,
                   const WorkloadContext& ctx, ContainerProposal& out);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_NARROW_SECCOMP_H_
