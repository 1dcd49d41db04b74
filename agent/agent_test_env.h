// Test support for the agent: the test API server with minpriv's CRDs, the objects a kubelet
// and the workload controllers would have written (a Deployment's ReplicaSet and Pods with
// container statuses), and an Agent on a fake clock. The NodeObserver is played by the test:
// it calls the agent's CgroupSinkFactory with kubelet-shaped cgroup paths and observations.
#ifndef MINPRIV_AGENT_AGENT_TEST_ENV_H_
#define MINPRIV_AGENT_AGENT_TEST_ENV_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "agent/agent.h"
#include "kube/rest_client.h"
#include "kube/test_apiserver.h"

namespace minpriv::agent::testing {

// 64 hex digits, distinct per n.
std::string ContainerId(int n);
// cgroupfs: kubepods/burstable/pod<uid>/<id>; systemd: the containerd scope of the same.
std::string CgroupfsPath(const std::string& uid, const std::string& id);
std::string SystemdPath(const std::string& uid, const std::string& id);
// x86_64 syscall number of a name (the test's few).
uint32_t Nr(const std::string& name);

class AgentEnv : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  void CreateNamespace(const std::string& ns);
  // Deployment `name` and its ReplicaSet `name`-rs (owned by it).
  void CreateDeployment(const std::string& ns, const std::string& name);
  // A pod on `node` owned by `owner` (kind, name, apiVersion; empty kind: none); its uid.
  std::string CreatePod(const std::string& ns, const std::string& name, const std::string& node,
                        const std::string& owner_kind = "", const std::string& owner_name = "",
                        const std::string& owner_api = "");
  // The kubelet's status: containerStatuses (name, container id) as containerd writes them.
  void SetStatuses(const std::string& ns, const std::string& name,
                   const std::vector<std::pair<std::string, std::string>>& containers);
  void DeletePod(const std::string& ns, const std::string& name);

  std::unique_ptr<Agent> NewAgent(const std::string& node, AgentOptions options = {});
  std::optional<nlohmann::json> Get(const kube::ResourceRef& ref, const std::string& ns,
                                    const std::string& name);
  // One tick, then waits until the API calls it queued are done and taken in.
  void Settle(Agent& agent, const NodeCounters& node = {});
  // Ticks `agent` (real-time waits for the reflector) until `done`, up to 10 s, then waits
  // for the agent's API calls in flight (so its counters are up to date).
  bool TickUntil(Agent& agent, const std::function<bool()>& done,
                 const NodeCounters& node = {});

  std::unique_ptr<kube::testing::TestApiServer> server_;
  std::optional<kube::RestClient> client_;
  absl::Time now_ = absl::FromUnixSeconds(1800000000);
};

}  // namespace minpriv::agent::testing

#endif  // MINPRIV_AGENT_AGENT_TEST_ENV_H_
