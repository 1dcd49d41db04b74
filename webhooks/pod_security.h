// What a pod template grants, as the kubelet and the container runtime apply it: per
// container the effective capabilities, privilege, seccomp profile (container level over pod
// level), user, read-only root and writable mounts; per pod the host namespaces, hostPath
// volumes and host ports. Read from JSON (an AdmissionReview object or an approved manifest)
// without ever failing: a field of the wrong type counts as absent.
#ifndef MINPRIV_WEBHOOKS_POD_SECURITY_H_
#define MINPRIV_WEBHOOKS_POD_SECURITY_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"

namespace minpriv::webhooks {

using nlohmann::json;

// JSON Pointer (RFC 6901) of the pod template (the map holding `metadata` and `spec`) inside
// an object of `kind`: "" for a Pod, "/spec/template" for Deployment, StatefulSet, DaemonSet,
// ReplicaSet and Job, "/spec/jobTemplate/spec/template" for CronJob. nullopt for other kinds.
std::optional<std::string> PodTemplatePointer(std::string_view kind);

// Member `key` of `j` when `j` is an object holding it, else nullptr.
const json* Member(const json& j, std::string_view key);
// The value at a JSON pointer, or nullptr (never throws).
const json* AtPointer(const json& j, std::string_view pointer);

struct Seccomp {
  std::string type;       // "" (none set: the runtime's default, Unconfined in Kubernetes),
                          // Unconfined, RuntimeDefault, Localhost
  std::string localhost;  // localhostProfile for Localhost
  bool from_pod = false;  // inherited from the pod's securityContext
  std::string Describe() const;
};

struct ContainerSecurity {
  std::string name;
  bool init = false;
  std::set<std::string> capabilities;  // effective set (runtime defaults - drop + add)
  bool drop_all = false;
  bool privileged = false;
  bool allow_privilege_escalation = true;  // as set (default true)
  bool read_only_root = false;
  std::set<std::string> writable_mounts;  // mount paths of writable volumes
  Seccomp seccomp;
  bool run_as_non_root = false;       // effective (container over pod)
  std::optional<int64_t> run_as_user;  // effective
  std::set<std::string> host_ports;    // "PORT/PROTOCOL"
  std::string target;  // an ephemeral container's targetContainerName
};

struct PodSecurity {
  bool host_network = false;
  bool host_pid = false;
  bool host_ipc = false;
  std::set<std::string> host_paths;
  std::vector<ContainerSecurity> containers;  // initContainers first, then containers
  std::vector<ContainerSecurity> ephemeral;   // ephemeralContainers (kubectl debug)
  const ContainerSecurity* Find(std::string_view name) const;
};

// `pod_template` is {metadata, spec} (a Pod object itself works too).
PodSecurity ReadPodSecurity(const json& pod_template);

// Whether a user runs as non-root under these settings: runAsNonRoot, or a non-zero runAsUser.
bool RunsAsNonRoot(const ContainerSecurity& c);

}  // namespace minpriv::webhooks

#endif  // MINPRIV_WEBHOOKS_POD_SECURITY_H_
