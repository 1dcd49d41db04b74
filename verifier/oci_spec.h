// Maps a Kubernetes pod template's container (security context, volumes) onto an OCI
// runtime spec (config.json for runc), the way containerd's CRI plugin builds one for the
// kubelet. Differences forced by verifying on a host without a container engine (the
// host's root file system is the image without --image, hostNetwork) are listed in
// OciSpec::notes, never hidden.
//
// What is mapped:
//   capabilities  runtime default set (containerd's 14) → add ALL → drop ALL → add → drop;
//                 bounding = effective = permitted; inheritable and ambient empty;
//                 privileged: every capability.
//   noNewPrivileges = !allowPrivilegeEscalation when set, false when unset or privileged.
//   root.readonly   = readOnlyRootFilesystem.
//   user            = runAsUser / runAsGroup (container over pod; default 0), additional
//                     gids = supplementalGroups + fsGroup.
//   seccomp         Localhost → the proposal's JSON converted to linux.seccomp;
//                   Unconfined/unset → none; RuntimeDefault → none, with a note.
//   mounts          runtime defaults (/proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys ro,
//                   /sys/fs/cgroup ro), then volume mounts by depth: emptyDir → bind of a
//                   fresh host directory (tmpfs for medium Memory), hostPath → an empty
//                   scratch directory of the bundle (--host-paths=readonly: the host's
//                   path bound ro,nosuid,nodev; --host-paths=bind: bound as written);
//                   secret/configMap/projected/downwardAPI → a read-only placeholder
//                   directory of empty files named by the manifest's items.
//   masked/readonly paths  containerd's defaults (none when privileged).
//   namespaces      pid, ipc, uts, mount, always (hostPID/hostIPC are not reproduced);
//                   network: `netns_path` when set (the replay's own, pod_network.h),
//                   else the host's (hostNetwork), see notes.
//   image           --image: Env under the manifest's env, WorkingDir unless workingDir,
//                   User unless runAsUser/runAsGroup; runAsNonRoot judged against it.
//   resources       devices: none beyond the runtime's defaults; memory: the container's
//                   resources.limits.memory, else 1 GiB; pids: 4096 (a node setting, not
//                   the manifest's).
#ifndef MINPRIV_VERIFIER_OCI_SPEC_H_
#define MINPRIV_VERIFIER_OCI_SPEC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "verifier/image.h"
#include "verifier/seccomp.h"
#include "verifier/workload.h"

namespace minpriv::verifier {

// What a hostPath volume becomes (--host-paths). Nothing of the verifying machine is
// writable by default.
enum class HostPathMode {
  kScratch,   // an empty directory (or file, for type File) inside the bundle
  kReadOnly,  // the host's path bind-mounted ro, nosuid, nodev
  kBind,      // the host's path bind-mounted as the manifest says (writes reach the host)
};
// "scratch" | "readonly" | "bind".
const char* HostPathModeName(HostPathMode mode);
std::optional<HostPathMode> ParseHostPathMode(const std::string& name);

struct SpecInputs {
  PodTemplate pod;
  Container container;
  std::vector<std::string> args;  // the process to run (CMD ...)
  // Host directory that backs each disk-medium emptyDir volume, by volume name.
  std::map<std::string, std::string> empty_dir_sources;
  HostPathMode host_paths = HostPathMode::kScratch;
  // Scratch directory (or file) in the bundle standing in for each hostPath volume (kScratch).
  std::map<std::string, std::string> host_path_sources;
  // Placeholder directory for each secret/configMap/projected/downwardAPI volume.
  std::map<std::string, std::string> placeholder_sources;
  // Where `localhostProfile` files live: DIR/seccomp (basename of localhostProfile).
  std::string seccomp_dir;
  std::string cgroups_path;  // linux.cgroupsPath
  std::string root_path = "rootfs";
  // --image: the image whose root file system is the bundle's lower layer (nullptr: the
  // host's root) and its user resolved in it. Its Env, WorkingDir and User apply under the
  // manifest's env, workingDir and runAsUser/runAsGroup.
  const Image* image = nullptr;
  std::optional<ImageUser> image_user;
  // The network namespace to join (pod_network.h); empty: the host's.
  std::string netns_path;
};

struct OciSpec {
  nlohmann::json config;            // the whole config.json (keys sorted)
  std::vector<std::string> notes;   // differences from a real node (sorted, unique)
  // Reasons the kubelet/runtime would refuse to start the container (runAsNonRoot with
  // uid 0, ...): verification reports them as breaks.
  std::vector<std::string> start_blockers;
  // The proposal runs as root a container whose image runs as another user: reported as a
  // break of kind "user", and the container is not started.
  std::vector<std::string> user_blockers;
  std::optional<SeccompProfile> seccomp;  // set when a Localhost profile applies
  std::string seccomp_source;             // file it came from
  std::vector<std::string> capabilities;  // effective set, Kubernetes spelling, sorted
  std::vector<std::string> writable_paths;  // container paths of writable mounts, sorted
  bool read_only_root = false;
  bool no_new_privileges = false;
  bool privileged = false;
  uint32_t uid = 0;
  uint32_t gid = 0;
};

absl::StatusOr<OciSpec> BuildOciSpec(const SpecInputs& inputs);

// Resource limits of the replay when the manifest sets none (linux.resources).
inline constexpr uint64_t kDefaultMemoryLimit = 1ull << 30;  // 1 GiB
inline constexpr int64_t kDefaultPidsLimit = 4096;

// PATH of a container whose image and manifest set none (containerd's default).
inline constexpr char kDefaultContainerPath[] =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// containerd's default capability set (Kubernetes spelling, sorted).
const std::vector<std::string>& RuntimeDefaultCapabilities();

// Kubernetes quantity ("64Mi", "1G", "500") in bytes; nullopt when malformed.
std::optional<uint64_t> ParseQuantity(const std::string& q);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_OCI_SPEC_H_
