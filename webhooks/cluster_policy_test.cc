// Cluster mode without a server: approved RemediationProposals (+ their workloads) become
// policies, the settings resources become modes, the owner cache decides a Pod's workload,
// and ephemeral containers (pods/ephemeralcontainers) are checked like containers.
#include "webhooks/cluster_policy.h"

#include "crd/remediation_proposal_json.h"
#include "crd/settings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "webhooks/admission_handler.h"
#include "webhooks/test_support.h"
#include "webhooks/widening.h"

namespace minpriv::webhooks {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::PodOf;
using testing::Review;

// The live Deployment: one container "app", host network, a hostPath volume.
json Workload() {
  return json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {
      "hostNetwork": true,
      "volumes": [{"name": "logs", "hostPath": {"path": "/var/log/web"}}],
      "containers": [{"name": "app", "image": "web:1",
                      "ports": [{"containerPort": 8080, "hostPort": 8080}],
                      "volumeMounts": [{"name": "logs", "mountPath": "/logs"}]}]}}}})");
}

crd::RemediationProposal Proposal(crd::ProposalPhase phase = crd::ProposalPhase::kApproved) {
  crd::RemediationProposal p;
  p.metadata.name = "deployment-web";
  p.metadata.namespace_ = "shop";
  p.metadata.resource_version = "7";
  p.spec.target = {"apps/v1", "Deployment", "web"};
  p.spec.decision = crd::Decision::kApproved;
  p.status.phase = phase;
  p.status.profile = "deployment-web";
  crd::ContainerChange c;
  c.name = "app";
  c.security_context = {{"allowPrivilegeEscalation", false},
                        {"capabilities", {{"drop", {"ALL"}}, {"add", {"NET_BIND_SERVICE"}}}},
                        {"readOnlyRootFilesystem", true},
                        {"runAsNonRoot", true},
                        {"seccompProfile", {{"type", "RuntimeDefault"}}}};
  c.volume_mounts = {{{"name", "minpriv-tmp"}, {"mountPath", "/tmp"}}};
  p.status.containers = {c};
  p.status.volumes = {{{"name", "minpriv-tmp"}, {"emptyDir", json::object()}}};
  p.status.evidence = {{"container app", "capability `NET_BIND_SERVICE` kept: __inet_bind"},
                       {"container app", "emptyDir `minpriv-tmp` mounted at `/tmp`: 3 write(s)"}};
  return p;
}

std::shared_ptr<const ApprovedPolicy> Policy(const json& workload = Workload()) {
  auto policy = PolicyFromProposal(Proposal(), workload);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : nullptr;
}

// The workload as the proposal narrows it: what an equal request looks like.
json Narrowed() {
  json d = Workload();
  json& c = d["spec"]["template"]["spec"]["containers"][0];
  c["securityContext"] = Proposal().status.containers[0].security_context;
  c["volumeMounts"].push_back({{"name", "minpriv-tmp"}, {"mountPath", "/tmp"}});
  d["spec"]["template"]["spec"]["volumes"].push_back(
      {{"name", "minpriv-tmp"}, {"emptyDir", json::object()}});
  return d;
}

TEST(ClusterPolicyTest, OnlyApprovedAndAppliedProposalsAreEnforced) {
  EXPECT_TRUE(IsEnforced(Proposal(crd::ProposalPhase::kApproved)));
  EXPECT_TRUE(IsEnforced(Proposal(crd::ProposalPhase::kApplied)));
  EXPECT_FALSE(IsEnforced(Proposal(crd::ProposalPhase::kSuperseded)));
  EXPECT_FALSE(IsEnforced(Proposal(crd::ProposalPhase::kProposed)));
  crd::RemediationProposal pending = Proposal();
  pending.spec.decision = crd::Decision::kPending;
  EXPECT_FALSE(IsEnforced(pending));
  crd::RemediationProposal no_status = Proposal();
  no_status.status.phase.reset();
  EXPECT_FALSE(IsEnforced(no_status));
}

TEST(ClusterPolicyTest, TheWorkloadsPodSettingsWithTheProposalLaidOver) {
  auto p = Policy();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->key, "shop/Deployment/web");
  EXPECT_EQ(p->source, "RemediationProposal shop/deployment-web (Approved)");
  EXPECT_EQ(p->profile_source, "WorkloadProfile shop/deployment-web");
  EXPECT_TRUE(p->security.host_network);
  EXPECT_EQ(p->security.host_paths, std::set<std::string>{"/var/log/web"});
  const ContainerSecurity* app = p->security.Find("app");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->capabilities, std::set<std::string>{"NET_BIND_SERVICE"});
  EXPECT_TRUE(app->read_only_root);
  EXPECT_EQ(app->writable_mounts, (std::set<std::string>{"/logs", "/tmp"}));
  EXPECT_EQ(app->host_ports, std::set<std::string>{"8080/TCP"});
  EXPECT_THAT(p->evidence.at("app").capabilities, HasSubstr("__inet_bind"));
  EXPECT_THAT(p->evidence.at("app").writes, HasSubstr("/tmp"));
  // The narrowed workload is within it; SYS_ADMIN added is not, and the finding quotes the
  // proposal's evidence.
  EXPECT_THAT(FindWidenings(*p, ReadPodSecurity(Narrowed()["spec"]["template"])), IsEmpty());
  json wider = Narrowed();
  wider["spec"]["template"]["spec"]["containers"][0]["securityContext"]["capabilities"]["add"]
      .push_back("SYS_ADMIN");
  std::vector<Widening> w = FindWidenings(*p, ReadPodSecurity(wider["spec"]["template"]));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].reason, "capability");
  EXPECT_EQ(w[0].requested, "SYS_ADMIN");
  EXPECT_THAT(w[0].evidence, HasSubstr("RemediationProposal shop/deployment-web"));
}

TEST(ClusterPolicyTest, WithoutTheWorkloadTheProposalsContainersAlone) {
  auto p = Policy(json());
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->security.host_network);
  ASSERT_EQ(p->security.containers.size(), 1u);
  EXPECT_EQ(p->security.containers[0].writable_mounts, std::set<std::string>{"/tmp"});
  crd::RemediationProposal unknown = Proposal();
  unknown.spec.target.kind = "Service";
  EXPECT_FALSE(PolicyFromProposal(unknown, json()).ok());
}

json SettingsJson(bool cluster, const std::string& ns, crd::EnforcementMode mode,
                  std::vector<crd::WorkloadSettings> workloads = {}) {
  crd::MinprivSettings s;
  s.cluster_scoped = cluster;
  s.metadata.name = crd::kSettingsObjectName;
  s.metadata.namespace_ = ns;
  s.spec.enforcement = mode;
  s.workloads = std::move(workloads);
  return crd::MinprivSettingsToJson(s);
}

TEST(ClusterPolicyTest, SettingsSetTheModeClusterNamespaceWorkload) {
  crd::WorkloadSettings off;
  off.kind = "Deployment";
  off.name = "legacy";
  off.values.enforcement = crd::EnforcementMode::kOff;
  json other_name = SettingsJson(false, "dev", crd::EnforcementMode::kEnforce);
  other_name["metadata"]["name"] = "not-default";
  json broken = SettingsJson(false, "qa", crd::EnforcementMode::kEnforce);
  broken["spec"]["enforcement"] = "strict";
  std::vector<std::string> errors;
  ModeOverrides o = ModeOverridesFromSettings(
      {SettingsJson(true, "", crd::EnforcementMode::kEnforce)},
      {SettingsJson(false, "staging", crd::EnforcementMode::kAudit, {off}), other_name, broken},
      &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("strict"));
  PolicySnapshot snap({}, o);
  auto policy = [](const std::string& ns, const std::string& name) {
    ApprovedPolicy p;
    p.kind = "Deployment";
    p.name = name;
    p.namespace_ = ns;
    p.key = WorkloadKey(ns, p.kind, name);
    return p;
  };
  EXPECT_EQ(snap.ModeFor(policy("shop", "web"), "shop", Mode::kAudit), Mode::kEnforce);
  EXPECT_EQ(snap.ModeFor(policy("staging", "web"), "staging", Mode::kOff), Mode::kAudit);
  EXPECT_EQ(snap.ModeFor(policy("staging", "legacy"), "staging", Mode::kAudit), Mode::kOff);
  EXPECT_EQ(snap.ModeFor(policy("dev", "web"), "dev", Mode::kAudit), Mode::kEnforce);  // cluster
}

// A source holding one cluster policy and an owner cache.
class FakeClusterSource : public SnapshotHolder, public OwnerLookup {
 public:
  explicit FakeClusterSource(std::shared_ptr<const ApprovedPolicy> p) {
    Publish(std::make_shared<const PolicySnapshot>(
        std::map<std::string, std::shared_ptr<const ApprovedPolicy>>{{p->key, p}},
        ModeOverrides{}));
  }
  const OwnerLookup* Owners() const override { return this; }
  std::optional<ControllerRef> ControllerOf(std::string_view ns, std::string_view kind,
                                            std::string_view name) const override {
    auto it = owners.find(std::string(ns) + "/" + std::string(kind) + "/" + std::string(name));
    if (it == owners.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, ControllerRef> owners;
};

TEST(ClusterPolicyTest, APodIsMatchedThroughTheOwnerCache) {
  FakeClusterSource source(Policy());
  Metrics metrics;
  AdmissionHandler h(source, Mode::kEnforce, metrics);
  json wide = Workload();  // the un-narrowed template: wider than approved
  // "frontend-5d8f7c9b4f" does not name the Deployment "web": only the cache knows.
  source.owners["shop/ReplicaSet/frontend-5d8f7c9b4f"] = {"Deployment", "web"};
  auto request = [&](const json& pod) {
    auto r = DecodeAdmissionReview(Review(pod).dump());
    EXPECT_TRUE(r.ok());
    return *r;
  };
  auto d = h.Decide(Endpoint::kValidate, request(PodOf(wide, "frontend-5d8f7c9b4f")));
  EXPECT_EQ(d.verdict, "denied");
  // Known to the cache with another controller: not web's, even though the name says so.
  source.owners["shop/ReplicaSet/web-5d8f7c9b4f"] = {"Deployment", "other"};
  EXPECT_EQ(h.Decide(Endpoint::kValidate, request(PodOf(wide, "web-5d8f7c9b4f"))).reason,
            "no-policy");
  // Unknown to the cache: the controllers' naming still finds it.
  EXPECT_EQ(h.Decide(Endpoint::kValidate, request(PodOf(wide, "web-7c9b4f5d8f"))).verdict,
            "denied");
}

// The pods/ephemeralcontainers UPDATE as `kubectl debug` makes it.
json EphemeralReview(const json& pod, const json& debug_container) {
  json updated = pod;
  updated["metadata"]["name"] = "web-5d8f7c9b4f-x7k2p";
  json old = updated;
  updated["spec"]["ephemeralContainers"] = json::array({debug_container});
  json review = Review(updated, "UPDATE");
  review["request"]["subResource"] = "ephemeralcontainers";
  review["request"]["oldObject"] = old;
  return review;
}

TEST(ClusterPolicyTest, AnEphemeralContainerIsCheckedLikeAContainer) {
  FakeClusterSource source(Policy());
  Metrics metrics;
  AdmissionHandler h(source, Mode::kEnforce, metrics);
  json pod = PodOf(Narrowed(), "web-5d8f7c9b4f");
  json debug = {{"name", "debugger"}, {"image", "busybox"}, {"targetContainerName", "app"}};
  auto decide = [&](const json& container) {
    auto r = DecodeAdmissionReview(EphemeralReview(pod, container).dump());
    EXPECT_TRUE(r.ok());
    return h.Decide(Endpoint::kValidate, *r);
  };
  // No securityContext: the runtime's default capabilities, a writable root, no seccomp.
  auto d = decide(debug);
  EXPECT_EQ(d.verdict, "denied");
  EXPECT_THAT(d.response.message, HasSubstr("container debugger: capability"));
  EXPECT_THAT(d.response.message, HasSubstr("(as container app)"));
  // Within the targeted container's approved settings: allowed.
  debug["securityContext"] = Proposal().status.containers[0].security_context;
  EXPECT_EQ(decide(debug).verdict, "allowed");
  // Without a target, the closest approved container decides.
  debug.erase("targetContainerName");
  EXPECT_EQ(decide(debug).verdict, "allowed");
  debug["securityContext"]["privileged"] = true;
  EXPECT_THAT(decide(debug).response.message, HasSubstr("container debugger: privileged"));
  // /mutate passes the subresource through.
  auto r = DecodeAdmissionReview(EphemeralReview(pod, debug).dump());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(h.Decide(Endpoint::kMutate, *r).reason, "subresource");
}

}  // namespace
}  // namespace minpriv::webhooks
