// The kubelet's cgroup layout, read back: a cgroup path below the cgroup v2 mount → the pod
// and container it belongs to. Both kubelet cgroup drivers:
//   cgroupfs: kubepods/<qos>/pod<uid>/<id>              (burstable, besteffort)
//             kubepods/pod<uid>/<id>                    (guaranteed: no QoS level)
//   systemd:  kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_>.slice/<rt>-<id>.scope
//             kubepods.slice/kubepods-pod<uid_>.slice/<rt>-<id>.scope   (guaranteed)
// where <uid_> is the pod uid with '_' for '-', and <rt> is cri-containerd, crio or docker
// (cgroupfs: a bare id, or the same prefixes). The kubepods level may sit below any prefix
// (a kubelet --cgroup-root, a test's root). A cgroup below a container's (one the container
// made itself) belongs to that container. Anything else — the runtime's own cgroups (crio
// conmon), system slices, malformed names — is not the kubelet's and is rejected.
#ifndef MINPRIV_AGENT_CGROUP_PATH_H_
#define MINPRIV_AGENT_CGROUP_PATH_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace minpriv::agent {

enum class CgroupLevel {
  kRoot,       // kubepods itself
  kQos,        // kubepods/burstable, kubepods-besteffort.slice
  kPod,        // a pod's cgroup
  kContainer,  // a container's cgroup (or one below it)
};

enum class CgroupDriver { kCgroupfs, kSystemd };

enum class QosClass { kGuaranteed, kBurstable, kBestEffort };
const char* QosClassName(QosClass qos);  // "Guaranteed" | "Burstable" | "BestEffort"

struct KubeCgroup {
  CgroupLevel level = CgroupLevel::kRoot;
  CgroupDriver driver = CgroupDriver::kCgroupfs;
  QosClass qos = QosClass::kGuaranteed;  // meaningful below kRoot
  std::string pod_uid;       // as metadata.uid (with '-'); set from kPod down
  std::string container_id;  // lower-case hex; set at kContainer
  std::string runtime;       // "containerd" | "cri-o" | "docker" | "" (a bare cgroupfs id)
  bool nested = false;       // kContainer: a cgroup below the container's own
  bool operator==(const KubeCgroup&) const = default;
};

// `relative_path`: below the cgroup v2 mount, with or without a leading '/'. NotFound when
// the path has no kubepods level (not the kubelet's); InvalidArgument when it has one but
// a level below it is not the kubelet's naming.
absl::StatusOr<KubeCgroup> ParseKubeCgroup(absl::string_view relative_path);

// True for a pod uid as the API server writes it (8-4-4-4-12 lower-case hex).
bool IsPodUid(absl::string_view uid);

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_CGROUP_PATH_H_
