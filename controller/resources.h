// The API resources the controller reads and writes, and the work-queue key of a workload
// ("namespace/Kind/name") derived from any object that concerns it.
#ifndef MINPRIV_CONTROLLER_RESOURCES_H_
#define MINPRIV_CONTROLLER_RESOURCES_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/resource.h"

namespace minpriv::controller {

inline const kube::ResourceRef kProfiles{"minpriv.dev", "v1alpha1", "workloadprofiles", true};
inline const kube::ResourceRef kProposals{"minpriv.dev", "v1alpha1", "remediationproposals",
                                          true};
inline const kube::ResourceRef kPods{"", "v1", "pods", true};
inline const kube::ResourceRef kServices{"", "v1", "services", true};
inline const kube::ResourceRef kNamespaces{"", "v1", "namespaces", false};
inline const kube::ResourceRef kEvents{"", "v1", "events", true};
inline const kube::ResourceRef kNetworkPolicies{"networking.k8s.io", "v1", "networkpolicies",
                                                true};
inline const kube::ResourceRef kEndpointSlices{"discovery.k8s.io", "v1", "endpointslices", true};
inline const kube::ResourceRef kMinprivSettings{"minpriv.dev", "v1alpha1", "minprivsettings",
                                                true};
inline const kube::ResourceRef kClusterMinprivSettings{"minpriv.dev", "v1alpha1",
                                                       "clusterminprivsettings", false};

// A workload kind the controller proposes for: its API, resource and where its pod template
// lives.
struct WorkloadKind {
  std::string kind;         // "Deployment"
  std::string api_version;  // "apps/v1"
  kube::ResourceRef resource;
  std::string pod_spec_path;  // JSON pointer of the pod spec: "/spec/template/spec"
  // False when the API refuses changes to the pod template of an existing object (a Job's
  // template, a Pod's securityContext): proposed, never patched in place.
  bool patchable = true;
};

// Deployment, StatefulSet, DaemonSet, ReplicaSet (apps/v1), Job, CronJob (batch/v1) and Pod
// (v1), in that order.
const std::vector<WorkloadKind>& WorkloadKinds();
const WorkloadKind* FindWorkloadKind(std::string_view kind);

struct WorkloadKey {
  std::string ns;
  std::string kind;  // as in WorkloadKinds(): "Deployment"
  std::string name;
  std::string String() const { return ns + "/" + kind + "/" + name; }
  static std::optional<WorkloadKey> Parse(std::string_view key);
  bool operator==(const WorkloadKey&) const = default;
};

// The workload a WorkloadProfile or RemediationProposal is about: spec.target, else the
// minpriv.dev/workload-kind and -name labels (lower-case kinds are matched case-insensitively).
// nullopt when neither names a supported kind.
std::optional<WorkloadKey> TargetKey(const nlohmann::json& object);

// True when the pod's labels include every spec.selector.matchLabels of the workload (and it
// has some).
bool SelectsPod(const nlohmann::json& workload, const nlohmann::json& pod);

// The string value at a JSON pointer, "" when absent or not a string.
std::string StringAt(const nlohmann::json& j, const char* pointer);

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_RESOURCES_H_
