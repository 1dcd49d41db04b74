// What the agent needs from a Pod object: who it is, which container ids it ran under which
// names, and who owns it. PodIndex keeps the pods of this node by uid, remembering every
// container id a pod has had (a restarted container keeps its old id in
// lastState.terminated) and pods deleted a short while ago, so a cgroup seen before or after
// its pod's status can still be attributed.
#ifndef MINPRIV_AGENT_POD_INFO_H_
#define MINPRIV_AGENT_POD_INFO_H_

#include <map>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/time/time.h"

namespace minpriv::agent {

// The workload a pod belongs to: {ns, "Deployment", "shopfront", "apps/v1"}.
struct WorkloadRef {
  std::string ns;
  std::string kind;
  std::string name;
  std::string api_version;
  // "ns/Kind/name": the agent's map key.
  std::string Key() const { return ns + "/" + kind + "/" + name; }
  bool operator==(const WorkloadRef&) const = default;
};

struct OwnerRef {
  std::string api_version;
  std::string kind;
  std::string name;
  bool operator==(const OwnerRef&) const = default;
};

struct PodInfo {
  std::string ns;
  std::string name;
  std::string uid;
  std::string node;
  std::optional<OwnerRef> owner;  // the controller owner reference (else the first one)
  std::map<std::string, std::string> containers;  // container id -> container name
  bool operator==(const PodInfo&) const = default;
};

// "containerd://<id>", "cri-o://<id>", "docker://<id>" → "<id>"; "" when not of that form.
std::string ContainerIdFromStatus(absl::string_view container_id);

// The pod's identity, owner and the container ids its status names (containerStatuses,
// initContainerStatuses, ephemeralContainerStatuses, including lastState.terminated).
PodInfo ParsePod(const nlohmann::json& pod);

class PodIndex {
 public:
  // How long a pod stays known after it left the node's pod list.
  explicit PodIndex(absl::Duration retention = absl::Minutes(2)) : retention_(retention) {}

  // The node's pods now (the reflector's store): adds and updates them (container ids
  // accumulate), and starts the retention of the pods no longer listed.
  void Update(const std::vector<nlohmann::json>& pods, absl::Time now);
  const PodInfo* Find(const std::string& uid) const;
  size_t size() const { return pods_.size(); }

 private:
  struct Entry {
    PodInfo info;
    std::optional<absl::Time> gone_since;
  };
  absl::Duration retention_;
  std::map<std::string, Entry> pods_;  // by uid
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_POD_INFO_H_
