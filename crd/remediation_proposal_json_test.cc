#include "crd/remediation_proposal_json.h"

#include <functional>
#include <string>
#include <vector>

#include "crd/test_objects.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace minpriv::crd {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

TEST(RemediationProposalJsonTest, FullRoundTrip) {
  RemediationProposal p = testing::FullProposal();
  json j = RemediationProposalToJson(p);
  EXPECT_EQ(j["apiVersion"], "minpriv.dev/v1alpha1");
  EXPECT_EQ(j["kind"], "RemediationProposal");
  EXPECT_EQ(j["spec"]["decision"], "Approved");
  EXPECT_EQ(j["spec"]["delivery"], "PullRequest");
  EXPECT_EQ(j["status"]["phase"], "Applied");
  EXPECT_EQ(j["status"]["conditions"][0]["status"], "True");
  EXPECT_EQ(j["status"]["numbers"]["syscallsAllowed"], 61);
  EXPECT_EQ(j["status"]["pullRequest"]["state"], "Open");
  EXPECT_EQ(j["status"]["breaks"][0]["breaks"][0]["what"], "syscall ptrace");
  EXPECT_EQ(j["status"]["breaks"][0]["truncated"], 3);
  EXPECT_EQ(j["metadata"]["ownerReferences"][0]["controller"], true);
  auto back = RemediationProposalFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, p);
  auto text = ParseRemediationProposalJson(j.dump(2));
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(RemediationProposalToJson(*text), j);
}

TEST(RemediationProposalJsonTest, MinimalHasDefaultsAndNoStatus) {
  json j = {{"apiVersion", "minpriv.dev/v1alpha1"},
            {"kind", "RemediationProposal"},
            {"metadata", {{"name", "deployment-web"}, {"namespace", "ns"}}},
            {"spec", {{"target", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                                  {"name", "web"}}}}}};
  auto p = RemediationProposalFromJson(j);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->spec.decision, Decision::kPending);
  EXPECT_FALSE(p->spec.delivery.has_value());
  EXPECT_FALSE(p->status.phase.has_value());
  json out = RemediationProposalToJson(*p);
  EXPECT_FALSE(out.contains("status"));
  EXPECT_EQ(out["spec"]["decision"], "Pending");
  // Kubernetes' `null` for unset fields reads as absent.
  j["status"] = nullptr;
  j["spec"]["delivery"] = nullptr;
  EXPECT_TRUE(RemediationProposalFromJson(j).ok());
}

TEST(RemediationProposalJsonTest, UnknownEnumNamesTheFieldAndTheChoices) {
  json j = RemediationProposalToJson(testing::FullProposal());
  j["spec"]["decision"] = "Maybe";
  auto p = RemediationProposalFromJson(j);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().message(), "spec.decision: 'Maybe' is not one of Pending, Approved, Rejected");
}

TEST(RemediationProposalJsonTest, MalformedInputsNeverCrash) {
  const json good = RemediationProposalToJson(testing::FullProposal());
  struct Case {
    std::function<void(json&)> mutate;
    std::string expect;
  };
  std::vector<Case> cases = {
      {[](json& j) { j["spec"]["delivery"] = "Email"; },
       "spec.delivery: 'Email' is not one of Apply, PullRequest"},
      {[](json& j) { j["spec"]["decision"] = 1; }, "spec.decision: must be a string, found an integer"},
      {[](json& j) { j["spec"] = "x"; }, "spec: must be an object, found a string"},
      {[](json& j) { j["spec"].erase("target"); }, "spec.target: is required"},
      {[](json& j) { j["spec"]["target"]["kind"] = ""; }, "spec.target.kind: must not be empty"},
      {[](json& j) { j["spec"]["extra"] = true; }, "spec.extra: unknown field"},
      {[](json& j) { j["status"]["phase"] = "Done"; }, "status.phase: 'Done' is not one of Learning"},
      {[](json& j) { j["status"]["conditions"] = json::object(); },
       "status.conditions: must be an array, found an object"},
      {[](json& j) { j["status"]["conditions"][1]["status"] = "Yes"; },
       "status.conditions[1].status: 'Yes' is not one of True, False, Unknown"},
      {[](json& j) { j["status"]["conditions"][0]["lastTransitionTime"] = "yesterday"; },
       "status.conditions[0].lastTransitionTime: 'yesterday' is not an RFC3339 time"},
      {[](json& j) { j["status"]["conditions"][1]["type"] = "ProfileComplete"; },
       "status.conditions[1]: duplicate condition type 'ProfileComplete'"},
      {[](json& j) { j["status"]["observedGeneration"] = -1; },
       "status.observedGeneration: must be from 0"},
      {[](json& j) { j["status"]["observedGeneration"] = 1.5; },
       "status.observedGeneration: must be an integer, found a number"},
      {[](json& j) { j["status"]["containers"][0]["securityContext"] = json::array(); },
       "status.containers[0].securityContext: must be an object, found an array"},
      {[](json& j) { j["status"]["containers"][0]["volumeMounts"][0].erase("mountPath"); },
       "status.containers[0].volumeMounts[0].mountPath: is required"},
      {[](json& j) { j["status"]["volumes"][0] = "tmp"; },
       "status.volumes[0]: must be an object, found a string"},
      {[](json& j) { j["status"]["patch"][0]["op"] = "merge"; },
       "status.patch[0].op: 'merge' is not one of add, remove, replace, move, copy, test"},
      {[](json& j) { j["status"]["patch"][1].erase("value"); },
       "status.patch[1].value: is required for this op"},
      {[](json& j) { j["status"]["patch"][2]["value"] = 1; },
       "status.patch[2].value: is not allowed for this op"},
      {[](json& j) { j["status"]["patch"][3].erase("from"); }, "status.patch[3].from: is required"},
      {[](json& j) { j["status"]["patch"][0]["path"] = "spec"; },
       "status.patch[0].path: 'spec' is not a JSON pointer"},
      {[](json& j) { j["status"]["patch"] = json::object(); },
       "status.patch: must be an array, found an object"},
      {[](json& j) { j["status"]["networkPolicy"]["kind"] = "Pod"; },
       "status.networkPolicy.kind: must be NetworkPolicy"},
      {[](json& j) { j["status"]["seccompProfiles"][0]["profile"].erase("defaultAction"); },
       "status.seccompProfiles[0].profile.defaultAction: is required"},
      {[](json& j) { j["status"]["seccompInstalls"][1]["node"] = "node-1"; },
       "status.seccompInstalls[1]: duplicate node 'node-1'"},
      {[](json& j) { j["status"]["seccompInstalls"][0].erase("installedAt"); },
       "status.seccompInstalls[0].installedAt: is required"},
      {[](json& j) { j["status"]["seccompInstalls"][0]["profiles"][0] = ""; },
       "status.seccompInstalls[0].profiles[0]: "},
      {[](json& j) { j["status"]["breaks"].push_back(j["status"]["breaks"][0]); },
       "status.breaks[1]: duplicate node 'node-1'"},
      {[](json& j) { j["status"]["breaks"][0]["breaks"][0].erase("what"); },
       "status.breaks[0].breaks[0].what: is required"},
      {[](json& j) { j["status"]["breaks"][0]["breaks"][0]["count"] = -1; },
       "status.breaks[0].breaks[0].count: "},
      {[](json& j) { j["status"]["breaks"][0]["appliedTime"] = "yesterday"; },
       "status.breaks[0].appliedTime: "},
      {[](json& j) { j["status"]["evidence"][0]["change"] = nullptr; },
       "status.evidence[0].change: is required"},
      {[](json& j) { j["status"]["risks"][0] = json::array(); },
       "status.risks[0]: must be an object, found an array"},
      {[](json& j) { j["status"]["numbers"]["syscallsAllowed"] = "61"; },
       "status.numbers.syscallsAllowed: must be an integer, found a string"},
      {[](json& j) { j["status"]["applied"]["revertPatch"][0]["op"] = 3; },
       "status.applied.revertPatch[0].op: must be a string"},
      {[](json& j) { j["status"]["pullRequest"]["state"] = "Draft"; },
       "status.pullRequest.state: 'Draft' is not one of Open, Merged, Closed"},
      {[](json& j) { j["metadata"]["labels"] = json::array(); },
       "metadata.labels: must be an object, found an array"},
      {[](json& j) { j["metadata"]["generation"] = "2"; }, "metadata.generation: must be an integer"},
      {[](json& j) { j["metadata"].erase("name"); }, "metadata.name: is required"},
      {[](json& j) { j["kind"] = "WorkloadProfile"; }, "kind: 'WorkloadProfile' is not RemediationProposal"},
      {[](json& j) { j["apiVersion"] = "v1"; }, "apiVersion: 'v1' is not minpriv.dev/v1alpha1"},
      {[](json& j) { j = json::array(); }, "the object must be an object, found an array"},
      {[](json& j) { j = 5; }, "must be an object, found an integer"},
  };
  for (const Case& c : cases) {
    json j = good;
    c.mutate(j);
    auto p = RemediationProposalFromJson(j);
    ASSERT_FALSE(p.ok()) << c.expect;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(p.status().message(), HasSubstr(c.expect));
  }
  for (const char* text : {"", "{", "[1,2", "{\"a\":}", "nul", "\xff\xfe"}) {
    auto p = ParseRemediationProposalJson(text);
    EXPECT_FALSE(p.ok()) << text;
  }
}

TEST(RemediationProposalJsonTest, StatusAlone) {
  ProposalStatus s = testing::FullProposal().status;
  auto back = ProposalStatusFromJson(ProposalStatusToJson(s));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, s);
  EXPECT_EQ(ProposalStatusToJson(ProposalStatus{}), json::object());
}

TEST(RemediationProposalJsonTest, SeccompProfilesDigestFollowsContentNotOrder) {
  SeccompProfile a{"a", {{"defaultAction", "SCMP_ACT_ERRNO"}}};
  SeccompProfile b{"b", {{"defaultAction", "SCMP_ACT_KILL"}}};
  const std::string ab = SeccompProfilesDigest({a, b});
  EXPECT_EQ(ab.size(), 16u);
  EXPECT_EQ(SeccompProfilesDigest({b, a}), ab);
  SeccompProfile b2 = b;
  b2.profile["syscalls"] = json::array();
  EXPECT_NE(SeccompProfilesDigest({a, b2}), ab);
  SeccompProfile renamed{"c", b.profile};
  EXPECT_NE(SeccompProfilesDigest({a, renamed}), ab);
}

ShadowReport SampleShadow(const std::string& node) {
  ShadowReport r;
  r.node = node;
  r.proposal_digest = "00112233aabbccdd";
  r.since = "2026-11-29T01:00:00Z";
  r.checked_at = "2026-11-29T01:05:00Z";
  r.would_be_breaks = {{"app", "syscall", "syscall ptrace", "shopfront (/usr/bin/shopfront)",
                        "not in the proposed seccomp allow list", "2026-11-29T01:02:00Z", 3}};
  r.truncated = 2;
  return r;
}

TEST(RemediationProposalJsonTest, ShadowReportsRoundTripAndAreCheckedStrictly) {
  ProposalStatus s = testing::FullProposal().status;
  s.shadow = {SampleShadow("node-1"), SampleShadow("node-2")};
  s.shadow[1].would_be_breaks.clear();
  s.shadow[1].truncated = 0;
  json j = ProposalStatusToJson(s);
  EXPECT_EQ(j["shadow"][0]["wouldBeBreaks"][0]["what"], "syscall ptrace");
  EXPECT_EQ(j["shadow"][0]["truncated"], 2);
  EXPECT_EQ(j["shadow"][1]["wouldBeBreaks"], json::array());  // "checked, nothing found"
  EXPECT_FALSE(j["shadow"][1].contains("truncated"));
  auto back = ProposalStatusFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, s);

  struct Case {
    std::function<void(json&)> mutate;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {[](json& j) { j["shadow"][1]["node"] = "node-1"; }, "status.shadow[1]: duplicate node 'node-1'"},
      {[](json& j) { j["shadow"][0].erase("proposalDigest"); },
       "status.shadow[0].proposalDigest: is required"},
      {[](json& j) { j["shadow"][0]["wouldBeBreaks"][0]["kind"] = "mood"; },
       "status.shadow[0].wouldBeBreaks[0].kind: 'mood' is not one of syscall, capability, write, "
       "network"},
      {[](json& j) { j["shadow"][0]["wouldBeBreaks"][0]["firstSeen"] = "yesterday"; },
       "status.shadow[0].wouldBeBreaks[0].firstSeen"},
      {[](json& j) { j["shadow"][0]["since"] = 5; }, "status.shadow[0].since"},
  };
  for (const Case& c : cases) {
    json bad = j;
    c.mutate(bad);
    auto p = ProposalStatusFromJson(bad);
    ASSERT_FALSE(p.ok()) << c.expect;
    EXPECT_THAT(p.status().message(), HasSubstr(c.expect));
  }
}

TEST(RemediationProposalJsonTest, ContentDigestFollowsWhatWouldBeEnforcedOnly) {
  ProposalStatus s = testing::FullProposal().status;
  const std::string d = ProposalContentDigest(s);
  EXPECT_EQ(d.size(), 16u);
  ProposalStatus reported = s;
  reported.shadow = {SampleShadow("node-1")};
  reported.evidence.push_back({"widened", "would-be break on node-1"});
  reported.conditions.clear();
  EXPECT_EQ(ProposalContentDigest(reported), d);
  ProposalStatus narrower = s;
  narrower.containers[0].security_context["readOnlyRootFilesystem"] = false;
  EXPECT_NE(ProposalContentDigest(narrower), d);
  ProposalStatus other_profile = s;
  other_profile.seccomp_profiles[0].profile["defaultAction"] = "SCMP_ACT_KILL";
  EXPECT_NE(ProposalContentDigest(other_profile), d);
  ProposalStatus other_policy = s;
  other_policy.network_policy["spec"]["egress"] = json::array();
  EXPECT_NE(ProposalContentDigest(other_policy), d);
}

}  // namespace
}  // namespace minpriv::crd
