// Two node agents (in process, on node-a and node-b, the test playing their NodeObservers and
// the kubelet) and the real `minpriv controller`: the agents' partial profiles of one
// Deployment, whose replicas behaved differently on the two nodes, are merged into one
// profile holding both, and learning converges into a proposal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "agent/agent.h"
#include "agent/agent_test_env.h"
#include "controller/resources.h"
#include "tests/controller/controller_e2e_fixture.h"

namespace minpriv::agent::testing {
namespace {

using controller::kProfiles;
using controller::testing::ControllerE2eTest;
using nlohmann::json;

const kube::ResourceRef kDeployments{"apps", "v1", "deployments", true};

class AgentControllerE2eTest : public ControllerE2eTest {
 protected:
  // A pod of ReplicaSet web-rs on `node`, running, with container app = `container_id`.
  std::string CreateWebPod(const std::string& name, const std::string& node,
                           const std::string& container_id) {
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata",
                 {{"name", name},
                  {"namespace", "shop"},
                  {"labels", {{"app", "web"}}},
                  {"ownerReferences", json::array({{{"apiVersion", "apps/v1"},
                                                    {"kind", "ReplicaSet"},
                                                    {"name", "web-rs"},
                                                    {"uid", "00000000-0000-4000-8000-0000000000aa"},
                                                    {"controller", true}}})}}},
                {"spec",
                 {{"nodeName", node},
                  {"containers", json::array({{{"name", "app"}, {"image", "shop:1"}}})}}}};
    auto created = client_->Create(kPods, "shop", pod);
    EXPECT_TRUE(created.ok()) << created.status();
    auto status = client_->PatchStatus(
        kPods, "shop", name, kube::PatchType::kMerge,
        {{"status",
          {{"phase", "Running"},
           {"podIP", "10.1.0.7"},
           {"containerStatuses", json::array({{{"name", "app"},
                                               {"containerID", "containerd://" + container_id},
                                               {"ready", true}}})}}}});
    EXPECT_TRUE(status.ok()) << status.status();
    return created.ok() ? (*created)["metadata"]["uid"].get<std::string>() : "";
  }
  std::unique_ptr<Agent> StartAgent(const std::string& node) {
    AgentOptions o;
    o.node = node;
    o.publish_interval = absl::Seconds(1);
    auto agent = std::make_unique<Agent>(*client_, o);
    absl::Status s = agent->Start(absl::Seconds(10));
    EXPECT_TRUE(s.ok()) << s;
    return agent;
  }
  static void Syscalls(observer::ObservationSink* sink, const std::vector<std::string>& names) {
    ASSERT_NE(sink, nullptr);
    for (const std::string& n : names) {
      sink->OnSyscall(absl::Now(), {Nr(n), observer::SyscallAbi::kX86_64});
    }
  }
};

TEST_F(AgentControllerE2eTest, TwoAgentsOnTwoNodesWritePartialsTheControllerMerges) {
  CreateNamespace("shop");
  CreateDeployment("shop", "web");
  auto deployment = client_->Get(kDeployments, "shop", "web");
  ASSERT_TRUE(deployment.ok()) << deployment.status();
  json rs = {{"apiVersion", "apps/v1"},
             {"kind", "ReplicaSet"},
             {"metadata",
              {{"name", "web-rs"},
               {"namespace", "shop"},
               {"ownerReferences", json::array({{{"apiVersion", "apps/v1"},
                                                 {"kind", "Deployment"},
                                                 {"name", "web"},
                                                 {"uid", (*deployment)["metadata"]["uid"]},
                                                 {"controller", true}}})}}},
             {"spec", (*deployment)["spec"]}};
  ASSERT_TRUE(client_->Create(kReplicaSets, "shop", rs).ok());
  const std::string uid_a = CreateWebPod("web-a", "node-a", ContainerId(1));
  const std::string uid_b = CreateWebPod("web-b", "node-b", ContainerId(2));

  auto agent_a = StartAgent("node-a");
  auto agent_b = StartAgent("node-b");
  // Each agent sees only its node's cgroup (the kubelet's two drivers' naming).
  Syscalls(agent_a->factory()->OnCgroupCreated(1, CgroupfsPath(uid_a, ContainerId(1))),
           {"read", "write", "openat"});
  Syscalls(agent_b->factory()->OnCgroupCreated(2, SystemdPath(uid_b, ContainerId(2))),
           {"read", "accept4"});
  ASSERT_TRUE(WaitFor([&] {
    agent_a->Tick({});
    agent_b->Tick({});
    return Get(kProfiles, "shop", "deployment-web-node-a") &&
           Get(kProfiles, "shop", "deployment-web-node-b");
  }));

  StartController("c1");
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Proposed"; },
                      absl::Seconds(30)));
  auto merged = Get(kProfiles, "shop", "deployment-web");
  ASSERT_TRUE(merged.has_value());
  EXPECT_EQ((*merged)["spec"]["containers"][0]["name"], "app");
  EXPECT_EQ((*merged)["spec"]["containers"][0]["syscalls"],
            json({"accept4", "openat", "read", "write"}));
  EXPECT_EQ((*merged)["status"]["complete"], true);
  EXPECT_THAT((*merged)["metadata"]["annotations"]["minpriv.dev/partial-profiles"].dump(),
              ::testing::AllOf(::testing::HasSubstr("deployment-web-node-a"),
                               ::testing::HasSubstr("deployment-web-node-b")));
}

}  // namespace
}  // namespace minpriv::agent::testing
