#include "controller/seccomp_gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crd/remediation_proposal_json.h"

namespace minpriv::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

crd::ProposalStatus WithProfiles() {
  crd::ProposalStatus st;
  st.seccomp_profiles = {{"shop-web-app", {{"defaultAction", "SCMP_ACT_ERRNO"}}},
                         {"shop-web-sidecar", {{"defaultAction", "SCMP_ACT_ERRNO"}}}};
  return st;
}

crd::SeccompInstall Installed(const std::string& node, const crd::ProposalStatus& st) {
  return {node, {"shop-web-app", "shop-web-sidecar"}, crd::SeccompProfilesDigest(st.seccomp_profiles),
          "2026-01-01T00:00:00Z"};
}

TEST(SeccompGateTest, NoProfileNeedsNoNode) {
  SeccompGate g = CheckSeccompInstalled(crd::ProposalStatus{}, {"node-a"});
  EXPECT_TRUE(g.installed);
  EXPECT_EQ(g.reason, "NoSeccompProfile");
}

TEST(SeccompGateTest, WaitsForEveryNodeAndNamesTheMissingOnes) {
  crd::ProposalStatus st = WithProfiles();
  st.seccomp_installs = {Installed("node-b", st)};
  SeccompGate g = CheckSeccompInstalled(st, {"node-a", "node-b", "node-c"});
  EXPECT_FALSE(g.installed);
  EXPECT_EQ(g.reason, "WaitingForNodes");
  EXPECT_THAT(g.missing, ElementsAre("node-a", "node-c"));
  EXPECT_THAT(g.message, HasSubstr("on node-a, node-c (installed on node-b)"));

  st.seccomp_installs.push_back(Installed("node-a", st));
  st.seccomp_installs.push_back(Installed("node-c", st));
  g = CheckSeccompInstalled(st, {"node-a", "node-b", "node-c"});
  EXPECT_TRUE(g.installed);
  EXPECT_EQ(g.reason, "InstalledOnAllNodes");
  EXPECT_TRUE(g.missing.empty());
  // A node that needs nothing (an entry left from another node) does not matter.
  EXPECT_TRUE(CheckSeccompInstalled(st, {"node-b"}).installed);
}

TEST(SeccompGateTest, OldContentOrAMissingNameDoesNotCount) {
  crd::ProposalStatus st = WithProfiles();
  crd::SeccompInstall old = Installed("node-a", st);
  old.digest = "0000000000000000";
  crd::SeccompInstall partial = Installed("node-b", st);
  partial.profiles = {"shop-web-app"};
  st.seccomp_installs = {old, partial};
  SeccompGate g = CheckSeccompInstalled(st, {"node-a", "node-b"});
  EXPECT_FALSE(g.installed);
  EXPECT_THAT(g.missing, ElementsAre("node-a", "node-b"));
}

TEST(SeccompGateTest, NoKnownNodeWaits) {
  SeccompGate g = CheckSeccompInstalled(WithProfiles(), {});
  EXPECT_FALSE(g.installed);
  EXPECT_THAT(g.message, HasSubstr("no node known"));
}

}  // namespace
}  // namespace minpriv::controller
