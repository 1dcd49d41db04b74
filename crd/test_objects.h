// Fully-populated objects of each kind for the codec and schema tests: every optional field
// set, so a field the codec writes but the schema lacks cannot hide.
#ifndef MINPRIV_CRD_TEST_OBJECTS_H_
#define MINPRIV_CRD_TEST_OBJECTS_H_

#include "crd/remediation_proposal.h"
#include "crd/settings.h"

namespace minpriv::crd::testing {

inline RemediationProposal FullProposal() {
  using nlohmann::json;
  RemediationProposal p;
  p.metadata.name = "deployment-shopfront";
  p.metadata.namespace_ = "shop";
  p.metadata.labels = {{kWorkloadKindLabel, "Deployment"}, {kWorkloadNameLabel, "shopfront"}};
  p.metadata.annotations = {{"note", "x"}};
  p.metadata.uid = "7f0c";
  p.metadata.resource_version = "12";
  p.metadata.generation = 2;
  p.metadata.creation_timestamp = "2026-01-31T12:00:00Z";
  p.metadata.owner_references = {{"apps/v1", "Deployment", "shopfront", "a1b2", true, true}};
  p.spec.target = {"apps/v1", "Deployment", "shopfront"};
  p.spec.decision = Decision::kApproved;
  p.spec.delivery = Delivery::kPullRequest;
  ProposalStatus& s = p.status;
  s.phase = ProposalPhase::kApplied;
  s.observed_generation = 2;
  s.conditions = {{kConditionProfileComplete, ConditionStatus::kTrue, "Converged",
                   "no new behaviour for 10m", "2026-01-31T12:10:00Z", 2},
                  {kConditionSeccompProfileInstalled, ConditionStatus::kFalse, "Waiting",
                   "1 of 3 nodes", "2026-01-31T12:11:00Z", 0}};
  s.profile = "deployment-shopfront";
  ContainerChange c;
  c.name = "app";
  c.init = true;
  c.security_context = {{"allowPrivilegeEscalation", false},
                        {"capabilities", {{"drop", {"ALL"}}, {"add", {"NET_BIND_SERVICE"}}}},
                        {"readOnlyRootFilesystem", true},
                        {"seccompProfile", {{"type", "Localhost"},
                                            {"localhostProfile", "minpriv/shop-shopfront-app.json"}}}};
  c.volume_mounts = {{{"name", "minpriv-tmp"}, {"mountPath", "/tmp"}}};
  c.seccomp_profile = "shop-shopfront-app";
  s.containers = {c};
  s.volumes = {{{"name", "minpriv-tmp"}, {"emptyDir", json::object()}}};
  s.seccomp_profiles = {{"shop-shopfront-app",
                         {{"defaultAction", "SCMP_ACT_ERRNO"},
                          {"architectures", {"SCMP_ARCH_X86_64"}},
                          {"syscalls", {{{"names", {"read", "write"}}, {"action", "SCMP_ACT_ALLOW"}}}}}}};
  s.seccomp_installs = {{"node-1", {"shop-shopfront-app"}, "00112233aabbccdd",
                         "2026-01-31T12:11:30Z"},
                        {"node-2", {"shop-shopfront-app"}, "", "2026-01-31T12:11:31Z"}};
  s.shadow = {{"node-1", "00112233aabbccdd", "2026-01-31T12:00:00Z", "2026-01-31T12:11:30Z",
               {{"app", "capability", "capability NET_RAW", "ping (/usr/bin/ping)",
                 "call site raw_create; not in the proposed set", "2026-01-31T12:05:00Z", 1}},
               0}};
  s.breaks = {{"node-1",
               "2026-01-31T12:20:00Z",
               {{"app", "seccomp", "syscall ptrace", "strace",
                 "EPERM from ptrace: not allowed by the seccomp profile "
                 "minpriv/shop-shopfront-app.json",
                 "2026-01-31T12:25:00Z", 2}},
               3}};
  s.patch = json::array({{{"op", "test"}, {"path", "/spec/template/spec/containers/0/name"},
                          {"value", "app"}},
                         {{"op", "add"}, {"path", "/spec/template/spec/volumes/-"},
                          {"value", {{"name", "minpriv-tmp"}, {"emptyDir", json::object()}}}},
                         {{"op", "remove"}, {"path", "/spec/template/spec/hostNetwork"}},
                         {{"op", "copy"}, {"from", "/a"}, {"path", "/b"}}});
  s.network_policy = {{"apiVersion", "networking.k8s.io/v1"},
                      {"kind", "NetworkPolicy"},
                      {"metadata", {{"name", "shopfront-minpriv"}}},
                      {"spec", {{"podSelector", json::object()}, {"policyTypes", {"Ingress"}}}}};
  s.evidence = {{"drop capability NET_RAW", "never checked in 10m of traffic"}};
  s.risks = {{"syscall ptrace seen in 1 of 3 replicas", "check replica b"}};
  s.numbers = ProposalNumbers{61, 362, 1, 13, 2};
  s.applied = AppliedRecord{"2026-01-31T12:20:00Z", "15",
                            json::array({{{"op", "replace"}, {"path", "/spec/x"}, {"value", 1}}}),
                            json::array({{{"op", "replace"}, {"path", "/spec/x"}, {"value", 0}}}),
                            "shopfront-minpriv"};
  s.pull_request = PullRequestRef{"https://github.com/o/r/pull/7", PullRequestState::kOpen};
  return p;
}

inline MinprivSettings FullSettings(bool cluster_scoped) {
  MinprivSettings s;
  s.cluster_scoped = cluster_scoped;
  s.metadata.name = kSettingsObjectName;
  if (!cluster_scoped) s.metadata.namespace_ = "shop";
  s.spec = {true, "10m", "1h", "24h", Delivery::kPullRequest, EnforcementMode::kEnforce, true};
  if (!cluster_scoped) {
    s.workloads = {{"Deployment", "shopfront",
                    {false, "30s", "5m", "1h", Delivery::kApply, EnforcementMode::kOff, false}}};
  }
  return s;
}

}  // namespace minpriv::crd::testing

#endif  // MINPRIV_CRD_TEST_OBJECTS_H_
