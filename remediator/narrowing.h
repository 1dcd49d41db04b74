// What the narrowing of one workload's containers shares: the pod it edits. Each kind of
// narrowing has its own header (narrow_capabilities.h, narrow_filesystem.h, narrow_users.h,
// narrow_seccomp.h); they share one contract:
//   - they read the container's profile and the manifest as it is, and edit only the
//     narrowed copy (`sc` is the narrowed container's securityContext, a map);
//   - they never loosen what the manifest restricts: a need the manifest denies is kept
//     denied and named as a risk;
//   - they append, in this order of calls, report lines to ContainerProposal::changes and
//     ::risks and fill the ContainerProposal fields their header names. The order of the
//     calls is the order of the report: capabilities, privilege escalation, file system,
//     users, seccomp.
#ifndef MINPRIV_REMEDIATOR_NARROWING_H_
#define MINPRIV_REMEDIATOR_NARROWING_H_

#include <map>
#include <set>
#include <string>

#include "yaml-cpp/yaml.h"

namespace minpriv::remediator {

struct WorkloadContext {
  std::string workload_name;
  std::string namespace_;
  YAML::Node pod_spec;                                // narrowed pod spec (writable)
  std::set<std::string> volume_names;                 // existing + added
  std::map<std::string, YAML::Node> volumes_by_name;  // original volumes
  // The profile was learned by attaching to a running workload (crd::kReasonStartupNotObserved):
  // its start-up calls are missing from the observed syscalls.
  bool startup_not_observed = false;
  bool seccomp_reachable = true;  // --seccomp reachable: allow what the binaries import
};

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_NARROWING_H_
