// Shadow mode end to end: two in-process node agents with shadow mode on (the test playing
// their NodeObservers and the kubelet) and the real `minpriv controller`. Deployment
// shopfront runs on node-a and node-b; once proposed, its replica on node-b misbehaves as the
// demo's `shopfront --misbehave` does (a stray file under the read-only root, ptrace, chown
// of a file it does not own, a connection to a stray peer): node-b's agent reports the
// would-be breaks in status.shadow, nothing is enforced, and the controller widens the
// proposal at once with evidence naming node-b; the widened revision then sees no break and is
// proven. Deployment web behaves and becomes ProvenOnLiveTraffic after --shadow-period.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/agent.h"
#include "agent/agent_test_env.h"
#include "controller/resources.h"
#include "tests/controller/controller_e2e_fixture.h"
#include "util/syscalls.h"

namespace minpriv::agent::testing {
namespace {

using controller::kProfiles;
using controller::kProposals;
using controller::testing::ControllerE2eTest;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

const kube::ResourceRef kDeployments{"apps", "v1", "deployments", true};
constexpr uint32_t kCapChown = 0;

class AgentShadowE2eTest : public ControllerE2eTest {
 protected:
  // Deployment `name` with its ReplicaSet `name`-rs.
  void CreateWorkload(const std::string& name) {
    CreateDeployment("shop", name);
    auto deployment = client_->Get(kDeployments, "shop", name);
    ASSERT_TRUE(deployment.ok()) << deployment.status();
    json rs = {{"apiVersion", "apps/v1"},
               {"kind", "ReplicaSet"},
               {"metadata",
                {{"name", name + "-rs"},
                 {"namespace", "shop"},
                 {"ownerReferences", json::array({{{"apiVersion", "apps/v1"},
                                                   {"kind", "Deployment"},
                                                   {"name", name},
                                                   {"uid", (*deployment)["metadata"]["uid"]},
                                                   {"controller", true}}})}}},
               {"spec", (*deployment)["spec"]}};
    ASSERT_TRUE(client_->Create(kReplicaSets, "shop", rs).ok());
  }
  // A running pod of `app`-rs on `node` whose container app is `container_id`; its uid.
  std::string CreateReplica(const std::string& name, const std::string& app,
                            const std::string& node, const std::string& container_id) {
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata",
                 {{"name", name},
                  {"namespace", "shop"},
                  {"labels", {{"app", app}}},
                  {"ownerReferences", json::array({{{"apiVersion", "apps/v1"},
                                                    {"kind", "ReplicaSet"},
                                                    {"name", app + "-rs"},
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
    o.shadow = true;
    o.shadow_refresh = absl::Seconds(1);
    auto agent = std::make_unique<Agent>(*client_, o);
    absl::Status s = agent->Start(absl::Seconds(10));
    EXPECT_TRUE(s.ok()) << s;
    return agent;
  }
  // A container's cgroup on an agent, past the workload's exec, with its normal behaviour.
  observer::ObservationSink* Container(Agent& agent, uint64_t id, const std::string& path) {
    observer::ObservationSink* sink = agent.factory()->OnCgroupCreated(id, path);
    EXPECT_NE(sink, nullptr);
    agent.factory()->OnWorkloadExec(id, absl::Now());
    for (const char* s : {"read", "write", "openat", "accept4"}) {
      sink->OnSyscall(absl::Now(), {Nr(s), observer::SyscallAbi::kX86_64});
    }
    sink->OnFlow(absl::Now(), {observer::Direction::kIngress, "10.1.0.9", 8080,
                               observer::Protocol::kTcp, 1});
    return sink;
  }
  bool TickUntil(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(40)) {
    return WaitFor(
        [&] {
          agent_a_->Tick({});
          agent_b_->Tick({});
          return done();
        },
        timeout);
  }
  json Status(const std::string& rp) {
    auto obj = Get(kProposals, "shop", rp);
    return obj ? obj->value("status", json::object()) : json::object();
  }
  std::vector<std::string> Changes(const std::string& rp) {
    std::vector<std::string> out;
    for (const json& e : Status(rp).value("evidence", json::array())) out.push_back(e["change"]);
    return out;
  }

  std::unique_ptr<Agent> agent_a_, agent_b_;
};

TEST_F(AgentShadowE2eTest, AMisbehavingReplicaWidensTheProposalAndAWellBehavedOneIsProven) {
  CreateNamespace("shop");
  CreateWorkload("shopfront");
  CreateWorkload("web");
  const std::string shop_a = CreateReplica("shopfront-a", "shopfront", "node-a", ContainerId(1));
  const std::string shop_b = CreateReplica("shopfront-b", "shopfront", "node-b", ContainerId(2));
  const std::string web_a = CreateReplica("web-a", "web", "node-a", ContainerId(3));
  agent_a_ = StartAgent("node-a");
  agent_b_ = StartAgent("node-b");
  Container(*agent_a_, 1, CgroupfsPath(shop_a, ContainerId(1)));
  observer::ObservationSink* shop_b_sink =
      Container(*agent_b_, 2, SystemdPath(shop_b, ContainerId(2)));
  Container(*agent_a_, 3, CgroupfsPath(web_a, ContainerId(3)));
  ASSERT_TRUE(TickUntil([&] {
    return Get(kProfiles, "shop", "deployment-shopfront-node-a") &&
           Get(kProfiles, "shop", "deployment-shopfront-node-b") &&
           Get(kProfiles, "shop", "deployment-web-node-a");
  }));

  StartController("c1", {"--shadow-period", "4s"});
  ASSERT_TRUE(TickUntil([&] {
    return Phase("shop", "deployment-shopfront") == "Proposed" &&
           Phase("shop", "deployment-web") == "Proposed";
  })) << ControllerLog("c1");
  const json first = Status("deployment-shopfront");
  ASSERT_EQ(first["seccompProfiles"].size(), 1u);
  EXPECT_THAT(first["seccompProfiles"][0]["profile"].dump(), Not(HasSubstr("ptrace")));
  EXPECT_EQ(first["containers"][0]["securityContext"]["readOnlyRootFilesystem"], true);

  // Both agents check the proposals on their nodes: an entry per node, nothing found.
  ASSERT_TRUE(TickUntil([&] { return Status("deployment-shopfront").value("shadow", json()).size() == 2; }))
      << Status("deployment-shopfront").dump(2);
  for (const json& e : Status("deployment-shopfront")["shadow"]) {
    EXPECT_EQ(e["wouldBeBreaks"], json::array()) << e.dump();
  }
  std::string reason;
  EXPECT_NE(Condition("shop", "deployment-shopfront", "ProvenOnLiveTraffic", &reason), "False");

  // node-b's replica misbehaves (what `shopfront --misbehave` does on every request).
  const absl::Time t = absl::Now();
  shop_b_sink->OnFileWrite(t, {observer::FileOp::kCreate, "/stray.txt", "shopfront", 1});
  shop_b_sink->OnSyscall(t, {*util::SyscallNumber("ptrace"), observer::SyscallAbi::kX86_64});
  shop_b_sink->OnCapability(t, {kCapChown, true, "setattr_prepare", "shopfront", 1});
  shop_b_sink->OnFlow(t, {observer::Direction::kEgress, "10.9.9.9", 6379,
                          observer::Protocol::kTcp, 1});

  // The controller widens the proposal from node-b's would-be breaks at once (Event Widened,
  // naming the node, process and what), without waiting for another quiet period.
  ASSERT_TRUE(TickUntil([&] { return !Events("shop", "Widened").empty(); }))
      << Status("deployment-shopfront").dump(2) << ControllerLog("c1");
  const std::vector<std::string> widened_events = Events("shop", "Widened");
  EXPECT_THAT(widened_events[0], HasSubstr("seen in shadow mode on node-b"));
  EXPECT_THAT(widened_events[0], HasSubstr("syscall ptrace"));
  EXPECT_THAT(widened_events[0], HasSubstr("capability CHOWN (process shopfront)"));
  EXPECT_THAT(widened_events[0], HasSubstr("write /stray.txt (process shopfront)"));
  EXPECT_THAT(widened_events[0], HasSubstr("egress 10.9.9.9:6379/TCP"));
  ASSERT_TRUE(TickUntil([&] {
    return Status("deployment-shopfront")["seccompProfiles"][0]["profile"].dump().find("ptrace") !=
           std::string::npos;
  }));
  json widened = Status("deployment-shopfront");
  EXPECT_EQ(widened["phase"], "Proposed");
  EXPECT_EQ(widened["containers"][0]["securityContext"]["capabilities"]["add"], json({"CHOWN"}));
  auto rp = Get(kProposals, "shop", "deployment-shopfront");
  ASSERT_TRUE(rp.has_value());
  EXPECT_TRUE((*rp)["metadata"]["annotations"].contains("minpriv.dev/widened-behaviour"));
  // The widened revision carries what it was widened from as evidence, naming the node.
  EXPECT_THAT(Changes("deployment-shopfront"), Contains(HasSubstr("widened: ")))
      << widened.dump(2);
  // node-b's entry for the first revision still lists what it saw.
  bool reported = false;
  for (const json& e : widened.value("shadow", json::array())) {
    if (e["node"] != "node-b") continue;
    for (const json& b : e["wouldBeBreaks"]) reported = reported || b["what"] == "write /stray.txt";
  }
  EXPECT_TRUE(reported || widened["shadow"].size() == 2u) << widened.dump(2);
  // Nothing was enforced: the Deployment is as it was.
  auto deployment = Get(kDeployments, "shop", "shopfront");
  ASSERT_TRUE(deployment.has_value());
  EXPECT_FALSE((*deployment)["spec"]["template"]["spec"]["containers"][0].contains("securityContext"));

  // The well-behaved workload is proven after the shadow period; so is the widened revision,
  // which the misbehaving replica no longer breaks.
  ASSERT_TRUE(TickUntil([&] {
    return Condition("shop", "deployment-web", "ProvenOnLiveTraffic", &reason) == "True";
  })) << Status("deployment-web").dump(2);
  EXPECT_EQ(reason, "NoWouldBeBreaks");
  EXPECT_TRUE(TickUntil([&] {
    for (const std::string& e : Events("shop", "ProvenOnLiveTraffic")) {
      if (e.find("deployment-web") != std::string::npos) return true;
    }
    return false;
  }));
  ASSERT_TRUE(TickUntil([&] {
    return Condition("shop", "deployment-shopfront", "ProvenOnLiveTraffic", &reason) == "True";
  })) << Status("deployment-shopfront").dump(2);
  EXPECT_EQ(Phase("shop", "deployment-shopfront"), "Proposed");
  EXPECT_GE(agent_b_->shadow_counters().would_be_breaks, 4u);
  EXPECT_GE(agent_b_->shadow_counters().status_patches, 2u);
  EXPECT_THAT(agent_b_->Metrics(), HasSubstr("minpriv_agent_would_be_breaks_total"));
}

}  // namespace
}  // namespace minpriv::agent::testing
