// What a learned container's executed binaries can reach through their C library imports
// (imports/reachable.h), as the profile's optional `reachable` block.
#ifndef MINPRIV_SESSION_REACHABILITY_H_
#define MINPRIV_SESSION_REACHABILITY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crd/workload_profile.h"

namespace minpriv::session {

// Evidence kept per reachable syscall in a profile (the first ones in sorted order).
inline constexpr size_t kMaxEvidencePerSyscall = 3;

// The root through which a container's binaries are read: "/" in run mode (the host root is
// the workload's); in attach mode /proc/PID/root of a process still in `cgroup_path` when
// one is readable, else "/". `note` says which was used and why (for a status warning).
std::string WorkloadRoot(bool attached, const std::string& cgroup_path, std::string& note);

// The reachable block for `container`'s execs, read through `root`. Errors only when the
// root itself cannot be used.
absl::StatusOr<crd::Reachability> ComputeReachability(const crd::ContainerProfile& container,
                                                      const std::string& root);

// Sets `container.reachable` for the container learned in `cgroup_path` (`attached`: attach
// mode), logging how long it took; the note on the root used (attach mode) and any failure
// become warnings, prefixed with `whose`. Never fails the learning run.
void AddReachability(crd::ContainerProfile& container, bool attached,
                     const std::string& cgroup_path, const std::string& whose,
                     std::vector<std::string>& warnings);

}  // namespace minpriv::session

#endif  // MINPRIV_SESSION_REACHABILITY_H_
