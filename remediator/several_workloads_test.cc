// Proposals for several workloads at once: each workload's outputs stay its own, whatever
// the order of the profiles.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/proposer.h"
#include "remediator/workload.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::remediator {
namespace {

using ::testing::ElementsAre;

std::string DeploymentYaml(const std::string& name) {
  return "apiVersion: apps/v1\n"
         "kind: Deployment\n"
         "metadata:\n"
         "  name: " + name + "\n"
         "spec:\n"
         "  selector:\n"
         "    matchLabels: {app: " + name + "}\n"
         "  template:\n"
         "    metadata:\n"
         "      labels: {app: " + name + "}\n"
         "    spec:\n"
         "      containers:\n"
         "        - name: app\n"
         "          image: app:1\n";
}

crd::WorkloadProfile ProfileOf(const std::string& name) {
  crd::WorkloadProfile p;
  p.name = name;
  crd::ContainerProfile c;
  c.name = "app";
  c.syscalls = {"read", "write"};
  c.users = {{1000, 1000}};
  p.containers = {c};
  return p;
}

// Issue 12, §4: with profiles given not in sorted order, networkpolicy.yaml held the
// first workload's policy twice (sorting WorkloadProposals assigned their YAML::Nodes, which
// share their data, so both ended up as one).
TEST(SeveralWorkloadsTest, EachWorkloadKeepsItsOwnNetworkPolicyWhateverTheProfileOrder) {
  auto p = Propose({{"zeta.yaml", ProfileOf("zeta")}, {"alpha.yaml", ProfileOf("alpha")}},
                   {{"two.yaml", DeploymentYaml("alpha") + "---\n" + DeploymentYaml("zeta")}},
                   Inventory{});
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->workloads.size(), 2u);
  for (const WorkloadProposal& w : p->workloads) {
    EXPECT_EQ(ObjectName(w.network.policy), NetworkPolicyName(w.name)) << w.name;
    EXPECT_EQ(ScalarAt(Child(Child(Child(w.network.policy, "spec"), "podSelector"), "matchLabels"), "app"),
              w.name);
  }
  auto files = RenderProposal(*p);
  std::vector<std::string> names;
  for (const YAML::Node& doc : YAML::LoadAll(files["networkpolicy.yaml"])) names.push_back(ObjectName(doc));
  EXPECT_THAT(names, ElementsAre("alpha-minpriv", "zeta-minpriv"));
}

}  // namespace
}  // namespace minpriv::remediator
