// The part of a Kubernetes workload manifest that verification needs: the pod template's
// security settings, volumes and containers. Parsed from the proposal's narrowed.yaml
// (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob; other kinds, such as
// the NetworkPolicy or a Service in the same stream, are skipped).
#ifndef MINPRIV_VERIFIER_WORKLOAD_H_
#define MINPRIV_VERIFIER_WORKLOAD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace minpriv::verifier {

struct SeccompProfileRef {
  std::string type;               // RuntimeDefault | Localhost | Unconfined
  std::string localhost_profile;  // for Localhost
  bool operator==(const SeccompProfileRef&) const = default;
};

struct CapabilityChanges {
  std::vector<std::string> add;   // as written (Kubernetes spelling, CAP_ prefix tolerated)
  std::vector<std::string> drop;
  bool operator==(const CapabilityChanges&) const = default;
};

// Fields of PodSecurityContext and SecurityContext (container) that map onto the runtime
// spec. Unset fields stay nullopt so that container values override pod values only
// where they are set, as the kubelet does.
struct SecurityContext {
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  std::optional<bool> run_as_non_root;
  std::optional<bool> read_only_root_filesystem;  // container only
  std::optional<bool> allow_privilege_escalation;  // container only
  std::optional<bool> privileged;                  // container only
  std::optional<CapabilityChanges> capabilities;   // container only
  std::optional<SeccompProfileRef> seccomp_profile;
  std::vector<int64_t> supplemental_groups;  // pod only
  std::optional<int64_t> fs_group;           // pod only
  std::optional<std::string> proc_mount;     // container only
  bool operator==(const SecurityContext&) const = default;
};

struct Volume {
  std::string name;
  // kPlaceholder: secret, configMap, projected, downwardAPI (content from the cluster).
  enum class Type { kEmptyDir, kHostPath, kPlaceholder, kOther } type = Type::kOther;
  bool memory_medium = false;  // emptyDir.medium: Memory (tmpfs)
  std::string size_limit;      // emptyDir.sizeLimit as written
  std::string host_path;       // hostPath.path
  std::string host_path_type;  // hostPath.type as written ("" when unset)
  std::string other_kind;      // e.g. "configMap", for messages
  // kPlaceholder: the file names the manifest gives (items[].path, sorted, unique) and
  // whether they are all of them (false: a source without items projects unknown keys).
  std::vector<std::string> keys;
  bool keys_known = true;
  bool operator==(const Volume&) const = default;
};

struct VolumeMount {
  std::string name;
  std::string mount_path;
  bool read_only = false;
  std::string sub_path;
  bool operator==(const VolumeMount&) const = default;
};

struct EnvVar {
  std::string name;
  std::string value;
  bool from_source = false;  // valueFrom: not reproducible here
  bool operator==(const EnvVar&) const = default;
};

struct Container {
  std::string name;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::string working_dir;
  std::vector<EnvVar> env;
  std::vector<VolumeMount> volume_mounts;
  SecurityContext security_context;
  std::string memory_limit;  // resources.limits.memory as written ("" when unset)
  bool operator==(const Container&) const = default;
};

struct PodTemplate {
  std::string kind;  // of the workload object: Deployment, Pod, ...
  std::string name;
  std::string namespace_;
  std::string source_location;  // "FILE:LINE:COLUMN" of the object
  SecurityContext security_context;
  std::vector<Volume> volumes;
  std::vector<Container> containers;       // in manifest order
  std::vector<Container> init_containers;  // run to completion (exit 0) before containers
  bool host_network = false;
  bool host_pid = false;
  bool host_ipc = false;
  std::string hostname;
  bool operator==(const PodTemplate&) const = default;
};

// Every workload in a (multi-document) YAML stream. `source` names the input in errors,
// which read "SOURCE:LINE:COLUMN: what; how to fix" (InvalidArgument).
absl::StatusOr<std::vector<PodTemplate>> ParseWorkloads(std::string_view yaml,
                                                        std::string_view source);

// Picks the workload named `workload` (any when empty and exactly one exists) and its
// container `container` (the only one of spec.containers when empty; init containers are
// chosen by name). InvalidArgument lists the choices.
struct Selection {
  PodTemplate pod;
  Container container;
  bool init = false;  // an init container: it must run to completion with exit status 0
};
absl::StatusOr<Selection> SelectContainer(const std::vector<PodTemplate>& workloads,
                                          std::string_view workload,
                                          std::string_view container,
                                          std::string_view source);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_WORKLOAD_H_
