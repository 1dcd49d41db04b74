// Where the agent watches: the cgroup v2 mount (from /proc/self/mountinfo: the first cgroup2
// mount; /sys/fs/cgroup on pure v2 hosts, /sys/fs/cgroup/unified on hybrid ones like these
// machines) and the kubelet's pod hierarchy below it (kubepods.slice with the systemd driver,
// kubepods with cgroupfs).
#ifndef MINPRIV_AGENT_CGROUP_ROOT_H_
#define MINPRIV_AGENT_CGROUP_ROOT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace minpriv::agent {

// The mount point of the first cgroup2 file system in a mountinfo text (proc(5) format,
// octal escapes such as \040 decoded); NotFound when there is none.
absl::StatusOr<std::string> Cgroup2MountFromMountinfo(absl::string_view mountinfo);

// The same from /proc/self/mountinfo.
absl::StatusOr<std::string> Cgroup2Mount();

// The kubelet's pod hierarchy below `cgroup_root`: `cgroup_root` itself when its name is
// kubepods or kubepods.slice, else the first existing of kubepods.slice, kubepods,
// kubelet/kubepods below it. NotFound when none exists
// (the kubelet has not started yet, or uses another --cgroup-root).
absl::StatusOr<std::string> FindKubepods(const std::string& cgroup_root);

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_CGROUP_ROOT_H_
