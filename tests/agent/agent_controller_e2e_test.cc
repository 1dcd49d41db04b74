// Two node agents (in process, on node-a and node-b, the test playing their NodeObservers and
// the kubelet) and the real `minpriv controller`: the agents' partial profiles of one
// Deployment, whose replicas behaved differently on the two nodes, are merged into one
// profile holding both, and learning converges into a proposal; once approved, it is applied
// only after both agents installed its seccomp profile.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "agent/agent.h"
#include "agent/agent_test_env.h"
#include "agent/seccomp_installer.h"
#include "controller/resources.h"
#include "tests/controller/controller_e2e_fixture.h"
#include "util/files.h"

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
  // Deployment web with a replica on node-a and one on node-b; each node's agent learns its
  // replica, and the controller (started here) proposes deployment-web.
  void LearnWebOnTwoNodes() {
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

    agent_a_ = StartAgent("node-a");
    agent_b_ = StartAgent("node-b");
    // Each agent sees only its node's cgroup (the kubelet's two drivers' naming).
    Syscalls(agent_a_->factory()->OnCgroupCreated(1, CgroupfsPath(uid_a, ContainerId(1))),
             {"read", "write", "openat"});
    Syscalls(agent_b_->factory()->OnCgroupCreated(2, SystemdPath(uid_b, ContainerId(2))),
             {"read", "accept4"});
    ASSERT_TRUE(WaitFor([&] {
      agent_a_->Tick({});
      agent_b_->Tick({});
      return Get(kProfiles, "shop", "deployment-web-node-a") &&
             Get(kProfiles, "shop", "deployment-web-node-b");
    }));

    StartController("c1");
    ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Proposed"; },
                        absl::Seconds(30)));
  }

  std::unique_ptr<Agent> agent_a_, agent_b_;
};

TEST_F(AgentControllerE2eTest, TwoAgentsOnTwoNodesWritePartialsTheControllerMerges) {
  LearnWebOnTwoNodes();
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

// The seccomp profile reaches every node before the workload is patched: with only node-a's
// agent installing, the approved proposal waits and names node-b; once node-b's agent runs,
// both seccomp directories hold the profile and the controller applies it.
TEST_F(AgentControllerE2eTest, AnApprovedProposalIsAppliedOnlyOnceBothNodesInstalledItsProfile) {
  LearnWebOnTwoNodes();
  const std::string dir_a = dir_ + "/seccomp-a";
  const std::string dir_b = dir_ + "/seccomp-b";
  auto installer_a =
      std::make_unique<SeccompInstaller>(*client_, SeccompInstallerOptions{"node-a", dir_a});
  ASSERT_TRUE(installer_a->Start(absl::Seconds(10)).ok());

  auto approved = client_->Patch(controller::kProposals, "shop", "deployment-web",
                                 kube::PatchType::kMerge,
                                 {{"spec", {{"decision", "Approved"}}}});
  ASSERT_TRUE(approved.ok()) << approved.status();
  auto rp = Get(controller::kProposals, "shop", "deployment-web");
  ASSERT_TRUE(rp.has_value());
  ASSERT_EQ((*rp)["status"]["seccompProfiles"].size(), 1u);
  const std::string profile = (*rp)["status"]["seccompProfiles"][0]["name"];
  const json body = (*rp)["status"]["seccompProfiles"][0]["profile"];
  const std::string file = "/minpriv/" + profile + ".json";

  std::string reason, message;
  auto condition = [&] {
    reason.clear();
    message.clear();
    auto obj = Get(controller::kProposals, "shop", "deployment-web");
    if (!obj) return std::string();
    for (const json& c : (*obj)["status"].value("conditions", json::array())) {
      if (c.value("type", "") != "SeccompProfileInstalled") continue;
      reason = c.value("reason", "");
      message = c.value("message", "");
      return c.value("status", "");
    }
    return std::string();
  };
  ASSERT_TRUE(WaitFor([&] {
    return condition() == "False" && message.find("(installed on node-a)") != std::string::npos;
  })) << message;
  EXPECT_EQ(reason, "WaitingForNodes");
  EXPECT_THAT(message, ::testing::HasSubstr("on node-b (installed on node-a)"));
  EXPECT_EQ(Phase("shop", "deployment-web"), "Approved");
  auto web = Get(kDeployments, "shop", "web");
  ASSERT_TRUE(web.has_value());
  EXPECT_FALSE((*web)["spec"]["template"]["spec"]["containers"][0].contains("securityContext"));
  auto on_a = util::ReadFile(dir_a + file);
  ASSERT_TRUE(on_a.ok()) << on_a.status();
  EXPECT_EQ(json::parse(*on_a), body);
  EXPECT_FALSE(util::ReadFile(dir_b + file).ok());

  // node-b's agent starts: both nodes have it, the controller patches the Deployment.
  SeccompInstaller installer_b(*client_, SeccompInstallerOptions{"node-b", dir_b});
  ASSERT_TRUE(installer_b.Start(absl::Seconds(10)).ok());
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Applied"; },
                      absl::Seconds(30)))
      << ControllerLog("c1");
  EXPECT_EQ(condition(), "True");
  EXPECT_EQ(reason, "InstalledOnAllNodes");
  auto on_b = util::ReadFile(dir_b + file);
  ASSERT_TRUE(on_b.ok()) << on_b.status();
  EXPECT_EQ(json::parse(*on_b), body);
  web = Get(kDeployments, "shop", "web");
  ASSERT_TRUE(web.has_value());
  json sc = (*web)["spec"]["template"]["spec"]["containers"][0]["securityContext"];
  EXPECT_EQ(sc["seccompProfile"]["type"], "Localhost");
  EXPECT_EQ(sc["seccompProfile"]["localhostProfile"], "minpriv/" + profile + ".json");

  // Stopping node-a's agent does not undo what it installed.
  installer_a.reset();
  EXPECT_TRUE(util::ReadFile(dir_a + file).ok());
}

}  // namespace
}  // namespace minpriv::agent::testing
