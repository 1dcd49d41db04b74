// Shadow mode's judgement: the policy a proposal would enforce, built from the live pod with
// the proposal's changes, and the would-be breaks of observed behaviour under it.
#include "agent/shadow_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace minpriv::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using nlohmann::json;

crd::ProposalStatus Proposal() {
  crd::ProposalStatus s;
  s.phase = crd::ProposalPhase::kProposed;
  crd::ContainerChange c;
  c.name = "app";
  c.security_context = {
      {"allowPrivilegeEscalation", false},
      {"capabilities", {{"drop", {"ALL"}}, {"add", {"NET_BIND_SERVICE"}}}},
      {"readOnlyRootFilesystem", true},
      {"seccompProfile", {{"type", "Localhost"}, {"localhostProfile", "minpriv/shop-web-app.json"}}}};
  c.volume_mounts = {{{"name", "minpriv-tmp"}, {"mountPath", "/tmp"}}};
  c.seccomp_profile = "shop-web-app";
  s.containers = {c};
  s.volumes = {{{"name", "minpriv-tmp"}, {"emptyDir", json::object()}}};
  s.seccomp_profiles = {
      {"shop-web-app",
       {{"defaultAction", "SCMP_ACT_ERRNO"},
        {"syscalls", {{{"names", {"read", "write", "openat"}}, {"action", "SCMP_ACT_ALLOW"}}}}}}};
  s.network_policy = {
      {"apiVersion", "networking.k8s.io/v1"},
      {"kind", "NetworkPolicy"},
      {"metadata", {{"name", "web-minpriv"}, {"namespace", "shop"}}},
      {"spec",
       {{"podSelector", {{"matchLabels", {{"app", "web"}}}}},
        {"policyTypes", {"Ingress", "Egress"}},
        {"ingress", {{{"ports", {{{"port", 8080}, {"protocol", "TCP"}}}}}}},
        {"egress",
         {{{"to", {{{"ipBlock", {{"cidr", "10.0.0.5/32"}}}}}},
           {"ports", {{{"port", 5432}, {"protocol", "TCP"}}}}}}}}}};
  return s;
}

json LivePod() {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", "web-1"}, {"namespace", "shop"}, {"labels", {{"app", "web"}}}}},
          {"spec",
           {{"containers",
             {{{"name", "app"},
               {"image", "web:1"},
               {"volumeMounts", {{{"name", "data"}, {"mountPath", "/data"}}}}}}},
            {"volumes", {{{"name", "data"}, {"emptyDir", json::object()}}}}}},
          {"status", {{"phase", "Running"}}}};
}

crd::ContainerProfile Observed() {
  crd::ContainerProfile p;
  p.name = "app";
  p.syscalls = {"openat", "ptrace", "read"};
  p.capabilities = {"NET_BIND_SERVICE", "NET_RAW"};
  p.capability_evidence = {
      {"NET_BIND_SERVICE", "__inet_bind", "web", 1, "2026-11-29T01:00:00.000Z", false},
      {"NET_RAW", "raw_create", "ping", 2, "2026-11-29T01:02:00.000Z", false}};
  p.file_writes = {{"/data/cache", {"create", "write"}, 1, "2026-11-29T01:00:01.000Z", false, {}},
                   {"/etc/passwd", {"write"}, 1, "2026-11-29T01:03:00.000Z", false, {}},
                   {"/tmp/x", {"create"}, 4, "2026-11-29T01:00:02.000Z", false, {}}};
  p.network.ingress = {{"10.1.0.9", 8080, "TCP", 10, "2026-11-29T01:00:03.000Z"}};
  p.network.egress = {{"10.0.0.5", 5432, "TCP", 3, "2026-11-29T01:00:04.000Z"},
                      {"10.0.0.9", 6379, "TCP", 1, "2026-11-29T01:04:00.000Z"}};
  return p;
}

std::vector<std::string> Whats(const std::vector<crd::ShadowBreak>& breaks) {
  std::vector<std::string> out;
  for (const crd::ShadowBreak& b : breaks) out.push_back(b.kind + ": " + b.what);
  return out;
}

TEST(ShadowPolicyTest, ReportsWhatTheProposalWouldDenyAndNothingItAllows) {
  auto policies = ProposedPolicies(Proposal(), "shop", LivePod());
  ASSERT_TRUE(policies.ok()) << policies.status();
  ASSERT_EQ(policies->count("app"), 1u);
  const remediator::ContainerPolicy& app = policies->at("app");
  EXPECT_TRUE(app.read_only_root);
  EXPECT_THAT(app.writable_paths, ElementsAre("/data", "/tmp"));  // the pod's and the proposal's
  EXPECT_FALSE(app.syscalls_unrestricted);

  const absl::Time now = absl::FromUnixSeconds(1800000000);
  auto breaks = WouldBeBreaks(app, Observed(), {{"write /etc/passwd", "sh"}}, now);
  EXPECT_THAT(Whats(breaks), ElementsAre("capability: capability NET_RAW",
                                         "network: egress 10.0.0.9:6379/TCP",
                                         "syscall: syscall ptrace", "write: write /etc/passwd"));
  for (const crd::ShadowBreak& b : breaks) EXPECT_EQ(b.container, "app");
  // Evidence: who, where, when, how often, and the rule.
  EXPECT_EQ(breaks[0].process, "ping");
  EXPECT_EQ(breaks[0].count, 2);
  EXPECT_EQ(breaks[0].first_seen, "2026-11-29T01:02:00.000Z");
  EXPECT_THAT(breaks[0].evidence, HasSubstr("raw_create"));
  EXPECT_EQ(breaks[1].first_seen, "2026-11-29T01:04:00.000Z");
  EXPECT_THAT(breaks[1].evidence, HasSubstr("web-minpriv"));
  EXPECT_EQ(breaks[2].first_seen, "2027-01-15T08:00:00Z");  // syscalls carry no time: now
  EXPECT_THAT(breaks[2].evidence, HasSubstr("seccomp"));
  EXPECT_EQ(breaks[3].process, "sh");
  EXPECT_THAT(breaks[3].evidence, HasSubstr("read-only"));
}

TEST(ShadowPolicyTest, WithoutTheLivePodOnlyTheProposedMountsAreWritable) {
  auto policies = ProposedPolicies(Proposal(), "shop", std::nullopt);
  ASSERT_TRUE(policies.ok()) << policies.status();
  auto breaks = WouldBeBreaks(policies->at("app"), Observed(), {}, absl::UnixEpoch());
  EXPECT_THAT(Whats(breaks), ::testing::Contains("write: write /data/cache"));
}

TEST(ShadowPolicyTest, BehaviourTheProposalAllowsIsNoBreak) {
  auto policies = ProposedPolicies(Proposal(), "shop", LivePod());
  ASSERT_TRUE(policies.ok()) << policies.status();
  crd::ContainerProfile fine;
  fine.name = "app";
  fine.syscalls = {"read", "write"};
  fine.capabilities = {"NET_BIND_SERVICE"};
  fine.capability_evidence = {{"NET_BIND_SERVICE", "__inet_bind", "web", 1, "", false}};
  fine.file_writes = {{"/tmp/y", {"write"}, 1, "", false, {}}};
  fine.network.egress = {{"10.0.0.5", 5432, "TCP", 1, ""}};
  EXPECT_TRUE(WouldBeBreaks(policies->at("app"), fine, {}, absl::UnixEpoch()).empty());
}

TEST(ShadowPolicyTest, AnUnreadableSeccompProfileIsAnError) {
  crd::ProposalStatus s = Proposal();
  s.seccomp_profiles[0].profile = json::array({"not", "a", "profile"});
  EXPECT_FALSE(ProposedPolicies(s, "shop", LivePod()).ok());
}

}  // namespace
}  // namespace minpriv::agent
