// Each container's seccomp allow list as files: seccomp/<name>.json (OCI/Docker format, as
// the kubelet reads it) and seccompprofiles.yaml (Security Profiles Operator SeccompProfiles).
#ifndef MINPRIV_REMEDIATOR_RENDER_SECCOMP_H_
#define MINPRIV_REMEDIATOR_RENDER_SECCOMP_H_

#include <map>
#include <string>

#include "remediator/proposer.h"

namespace minpriv::remediator {

// Adds seccomp/<seccomp_name>.json for every proposed container (applied or not) and
// seccompprofiles.yaml with the same profiles as SeccompProfile objects, in the order of
// Proposal::workloads and their containers; for containers with `reachability`, also the
// complain-mode variant (SCMP_ACT_LOG) at SeccompComplainFile.
void AddSeccompFiles(const Proposal& p, std::map<std::string, std::string>& files);

// "seccomp/<seccomp_name>-complain.json".
std::string SeccompComplainFile(const ContainerProposal& c);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_RENDER_SECCOMP_H_
