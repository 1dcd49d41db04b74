// `minpriv controller` end to end: the test API server, the real controller processes, kubectl
// 1.34 for what an operator does, and partial profiles as the node agent will write them.
#include <csignal>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "controller/resources.h"
#include "tests/controller/controller_e2e_fixture.h"

namespace minpriv::controller::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using nlohmann::json;

const kube::ResourceRef kDeployments{"apps", "v1", "deployments", true};
const kube::ResourceRef kLeases{"coordination.k8s.io", "v1", "leases", true};

json Container(const json& deployment) {
  return deployment["spec"]["template"]["spec"]["containers"][0];
}

TEST_F(ControllerE2eTest, MergesTwoNodesProposesWhenConvergedAppliesApprovalAndRevertsRejection) {
  CreateNamespace("shop");
  CreateDeployment("shop", "web");
  CreateRunningPod("shop", "web-1", "web", "node-a");
  CreateRunningPod("shop", "web-2", "web", "node-b");
  CreatePartial("shop", "web", "node-a", {"read", "write", "openat"});
  const absl::Time started = absl::Now();
  StartController("c1");

  // One node's partial only: pod web-2 on node-b is not observed, learning cannot complete.
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Learning"; }));
  ASSERT_TRUE(WaitFor([&] {
    auto wp = Get(kProfiles, "shop", "deployment-web");
    return wp && wp->dump().find("PodsNotObserved: web-2 on node node-b") != std::string::npos;
  }));
  CreatePartial("shop", "web", "node-b", {"read", "ptrace"});
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Proposed"; }));
  EXPECT_GE(absl::Now() - started, absl::Seconds(2));  // the minimum window

  auto wp = Get(kProfiles, "shop", "deployment-web");
  ASSERT_TRUE(wp.has_value());
  EXPECT_EQ((*wp)["spec"]["containers"][0]["syscalls"],
            json({"openat", "ptrace", "read", "write"}));
  EXPECT_EQ((*wp)["status"]["complete"], true);
  EXPECT_THAT((*wp)["metadata"]["annotations"]["minpriv.dev/replica-divergence"].get<std::string>(),
              HasSubstr("ptrace"));
  EXPECT_EQ((*wp)["metadata"]["ownerReferences"][0]["name"], "web");

  auto rp = Get(kProposals, "shop", "deployment-web");
  ASSERT_TRUE(rp.has_value());
  const json& st = (*rp)["status"];
  EXPECT_EQ((*rp)["spec"]["decision"], "Pending");
  EXPECT_EQ((*rp)["spec"]["target"]["name"], "web");
  EXPECT_EQ(st["patch"][0]["op"], "test");
  EXPECT_EQ(st["networkPolicy"]["kind"], "NetworkPolicy");
  EXPECT_EQ(st["seccompProfiles"].size(), 1u);
  EXPECT_GT(st["numbers"]["syscallsAllowed"].get<int>(), 4);
  EXPECT_EQ(st["observedGeneration"], (*rp)["metadata"]["generation"]);
  std::string reason;
  EXPECT_EQ(Condition("shop", "deployment-web", "ProfileComplete", &reason), "True");
  EXPECT_EQ(reason, "Converged");
  EXPECT_FALSE(Events("shop", "Proposed").empty());

  // Approval with kubectl 1.34: nothing happens until the seccomp profile is on the nodes.
  std::string out;
  ASSERT_EQ(Kubectl({"patch", "rp", "deployment-web", "-n", "shop", "--type", "merge", "-p",
                     R"({"spec":{"decision":"Approved"}})"},
                    &out),
            0)
      << out;
  ASSERT_TRUE(WaitFor([&] {
    std::string r;
    return Condition("shop", "deployment-web", "SeccompProfileInstalled", &r) == "False" &&
           r == "WaitingForNodes";
  }));
  EXPECT_EQ(Phase("shop", "deployment-web"), "Approved");
  EXPECT_FALSE(Container(*Get(kDeployments, "shop", "web")).contains("securityContext"));
  EXPECT_FALSE(Get(kNetworkPolicies, "shop", "web-minpriv").has_value());

  ReportSeccompInstalled("shop", "deployment-web");
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Applied"; }));
  json applied = Container(*Get(kDeployments, "shop", "web"));
  EXPECT_EQ(applied["securityContext"]["capabilities"]["drop"], json({"ALL"}));
  EXPECT_EQ(applied["securityContext"]["seccompProfile"]["type"], "Localhost");
  EXPECT_TRUE(Get(kNetworkPolicies, "shop", "web-minpriv").has_value());
  EXPECT_EQ(Condition("shop", "deployment-web", "Applied"), "True");
  rp = Get(kProposals, "shop", "deployment-web");
  EXPECT_EQ((*rp)["status"]["applied"]["networkPolicy"], "web-minpriv");
  EXPECT_FALSE(Events("shop", "Applied").empty());

  // Rejected after Applied: reverted.
  ASSERT_EQ(Kubectl({"patch", "rp", "deployment-web", "-n", "shop", "--type", "merge", "-p",
                     R"({"spec":{"decision":"Rejected"}})"},
                    &out),
            0)
      << out;
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Rejected"; }));
  EXPECT_FALSE(Container(*Get(kDeployments, "shop", "web")).contains("securityContext"));
  EXPECT_FALSE(Get(kNetworkPolicies, "shop", "web-minpriv").has_value());
}

TEST_F(ControllerE2eTest, AWorkloadEditedAfterApprovalIsReproposedNotPatched) {
  CreateNamespace("shop");
  CreateDeployment("shop", "api");
  CreatePartial("shop", "api", "node-a", {"read", "write"});
  StartController("c1");
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-api") == "Proposed"; }));
  std::string out;
  ASSERT_EQ(Kubectl({"patch", "rp", "deployment-api", "-n", "shop", "--type", "merge", "-p",
                     R"({"spec":{"decision":"Approved"}})"},
                    &out),
            0);
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-api") == "Approved"; }));
  // The user edits the workload meanwhile.
  ASSERT_EQ(Kubectl({"patch", "deployment", "api", "-n", "shop", "--type", "json", "-p",
                     R"([{"op":"add","path":"/spec/template/spec/containers/0/securityContext",)"
                     R"("value":{"runAsUser":1000}}])"},
                    &out),
            0)
      << out;
  ReportSeccompInstalled("shop", "deployment-api");
  // The revision annotation and the status are two writes (the status subresource cannot be
  // written with metadata): wait until the status of revision 2 has landed too.
  ASSERT_TRUE(WaitFor([&] {
    auto rp = Get(kProposals, "shop", "deployment-api");
    return rp && StringAt(*rp, "/metadata/annotations/minpriv.dev~1revision") == "2" &&
           StringAt(*rp, "/status/phase") != "Approved" &&
           (*rp)["status"]["patch"].dump().find("runAsUser") != std::string::npos;
  }));
  auto rp = Get(kProposals, "shop", "deployment-api");
  EXPECT_EQ((*rp)["spec"]["decision"], "Pending");
  EXPECT_EQ(Phase("shop", "deployment-api"), "Proposed");
  std::string reason;
  EXPECT_EQ(Condition("shop", "deployment-api", "Applied", &reason), "False");
  EXPECT_EQ(reason, "WorkloadChanged");
  // The new revision's tests guard the edited value; the workload kept the user's edit only.
  json container = Container(*Get(kDeployments, "shop", "api"));
  EXPECT_EQ(container["securityContext"], json({{"runAsUser", 1000}}));
  EXPECT_FALSE(Get(kNetworkPolicies, "shop", "api-minpriv").has_value());
  EXPECT_THAT((*rp)["status"]["patch"].dump(), HasSubstr("\"runAsUser\":1000"));
}

TEST_F(ControllerE2eTest, MalformedObjectsGiveAnEventOrConditionNotACrash) {
  CreateNamespace("shop");
  CreateDeployment("shop", "web");
  CreatePartial("shop", "web", "node-a", {"read"});
  // A partial with a syscall no kernel has.
  json bad = *Get(kProfiles, "shop", "deployment-web-node-a");
  bad["metadata"] = {{"name", "deployment-web-node-b"},
                     {"namespace", "shop"},
                     {"labels", bad["metadata"]["labels"]}};
  bad["metadata"]["labels"]["minpriv.dev/node"] = "node-b";
  bad["spec"]["containers"][0]["syscalls"] = json({"read", "frobnicate"});
  ASSERT_TRUE(client_->Create(kProfiles, "shop", bad).ok());
  StartController("c1");
  ASSERT_TRUE(WaitFor([&] { return !Events("shop", "InvalidProfile").empty(); }));
  EXPECT_THAT(Events("shop", "InvalidProfile")[0], HasSubstr("frobnicate"));
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Proposed"; }));

  // A proposal edited into nonsense: a condition names the field; the controller goes on.
  std::string out;
  ASSERT_EQ(Kubectl({"patch", "rp", "deployment-web", "-n", "shop", "--type", "merge", "-p",
                     R"({"spec":{"decision":"Maybe"}})"},
                    &out),
            0);
  ASSERT_TRUE(WaitFor([&] {
    std::string r;
    return Condition("shop", "deployment-web", "Valid", &r) == "False" && r == "InvalidSpec";
  }));
  auto rp = Get(kProposals, "shop", "deployment-web");
  EXPECT_THAT(rp->dump(), HasSubstr("spec.decision"));
  CreateDeployment("shop", "next");
  CreatePartial("shop", "next", "node-a", {"read"});
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-next") == "Proposed"; }));
  // Fixed by the operator: readable again.
  ASSERT_EQ(Kubectl({"patch", "rp", "deployment-web", "-n", "shop", "--type", "merge", "-p",
                     R"({"spec":{"decision":"Pending"}})"},
                    &out),
            0);
  ASSERT_TRUE(WaitFor([&] { return Condition("shop", "deployment-web", "Valid") == "True"; }));
  EXPECT_FALSE(controllers_[0].second.Poll());  // still running
}

TEST_F(ControllerE2eTest, TwoControllersOneLeadsTheOtherTakesOverWithoutDuplicateWrites) {
  CreateNamespace("minpriv");
  CreateNamespace("shop");
  CreateDeployment("shop", "web");
  CreatePartial("shop", "web", "node-a", {"read"});
  const int port1 = FreePort(), port2 = FreePort();
  const std::vector<std::string> election = {"--leader-election-namespace", "minpriv",
                                             "--lease-duration", "3s"};
  auto flags = [&](int port) {
    std::vector<std::string> f = election;
    f.push_back("--metrics-addr");
    f.push_back(absl::StrCat("127.0.0.1:", port));
    return f;
  };
  StartController("c1", flags(port1));
  StartController("c2", flags(port2));
  std::string leader;
  ASSERT_TRUE(WaitFor([&] {
    auto lease = Get(kLeases, "minpriv", "minpriv-controller");
    if (lease) leader = StringAt(*lease, "/spec/holderIdentity");
    return !leader.empty();
  }));
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-web") == "Proposed"; }));
  const int leader_port = leader == "c1" ? port1 : port2;
  const int standby_port = leader == "c1" ? port2 : port1;
  EXPECT_EQ(Metric(leader_port, "minpriv_controller_leader"), 1.0);
  ASSERT_TRUE(WaitFor([&] { return Metric(standby_port, "minpriv_controller_caches_synced") == 1.0; }));
  EXPECT_EQ(Metric(standby_port, "minpriv_controller_leader"), 0.0);
  EXPECT_EQ(Metric(standby_port, "minpriv_controller_writes_total"), 0.0);
  const std::string rv = StringAt(*Get(kProposals, "shop", "deployment-web"), "/metadata/resourceVersion");
  const std::string wp_rv =
      StringAt(*Get(kProfiles, "shop", "deployment-web"), "/metadata/resourceVersion");

  // Kill the leader (no release): the standby takes over within the lease duration.
  const absl::Time killed = absl::Now();
  controllers_[leader == "c1" ? 0 : 1].second.Signal(SIGKILL);
  std::string next;
  ASSERT_TRUE(WaitFor([&] {
    auto lease = Get(kLeases, "minpriv", "minpriv-controller");
    if (lease) next = StringAt(*lease, "/spec/holderIdentity");
    return !next.empty() && next != leader;
  }, absl::Seconds(10)));
  EXPECT_LT(absl::Now() - killed, absl::Seconds(3) + absl::Seconds(2));
  ASSERT_TRUE(WaitFor([&] {
    return Metric(standby_port, "minpriv_controller_reconciles_total").value_or(0) >= 1 &&
           Metric(standby_port, "minpriv_controller_queue_depth") == 0.0;
  }));
  // Converged state: the new leader wrote nothing.
  EXPECT_EQ(StringAt(*Get(kProposals, "shop", "deployment-web"), "/metadata/resourceVersion"), rv);
  EXPECT_EQ(StringAt(*Get(kProfiles, "shop", "deployment-web"), "/metadata/resourceVersion"), wp_rv);
  EXPECT_EQ(Metric(standby_port, "minpriv_controller_writes_total"), 0.0);
  // And it works: a new workload gets its proposal.
  CreateDeployment("shop", "api");
  CreatePartial("shop", "api", "node-a", {"read"});
  ASSERT_TRUE(WaitFor([&] { return Phase("shop", "deployment-api") == "Proposed"; }));
}

}  // namespace
}  // namespace minpriv::controller::testing
