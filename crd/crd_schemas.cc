// The schema description of minpriv's resources: one function per kind, field by field as
// the codecs (profile_codec.cc, profile_json.cc, remediation_proposal_json.cc, settings.cc)
// read and write them. Changing a codec means changing its schema here; crd_schema_test
// fails otherwise.
#include "crd/capabilities.h"
#include "crd/crd_manifests.h"
#include "crd/profile_codec.h"
#include "crd/remediation_proposal.h"
#include "crd/schema_builder.h"
#include "crd/settings.h"

namespace minpriv::crd {

using namespace schema;  // NOLINT: a schema is a tree of these builders

namespace {

constexpr char kGoDurationPattern[] = "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$";

Json Port(const std::string& description) {
  Json p = Integer(description, 1);
  p["maximum"] = 65535;
  return p;
}

Json Protocol() { return Enum("", {"TCP", "UDP"}); }

Json Capabilities(const std::string& description) {
  std::vector<std::string> names;
  for (uint32_t i = 0; i < CapabilityCount(); ++i) {
    if (CapabilityName(i) != nullptr) names.push_back(CapabilityName(i));
  }
  return Array(description, Enum("", names));
}

Json TargetSchema(const std::string& description) {
  return Object(description,
                {{"apiVersion", String("e.g. apps/v1")},
                 {"kind", String("e.g. Deployment")},
                 {"name", String("")}},
                {"apiVersion", "kind", "name"});
}

Json Resource(const std::string& description, Json spec, Json status, bool spec_required) {
  Properties props = {
      {"apiVersion", String("")},
      {"kind", String("")},
      {"metadata", Json{{"type", "object"}}},
      {"spec", std::move(spec)},
  };
  if (!status.is_null()) props.emplace_back("status", std::move(status));
  return Object(description, props, spec_required ? std::vector<std::string>{"spec"}
                                                  : std::vector<std::string>{});
}

Json Peer(const std::string& description) {
  return Object(description,
                {{"ip", String("")},
                 {"port", Port("remote port for egress, local port for ingress")},
                 {"protocol", Protocol()},
                 {"count", Integer("")},
                 {"firstSeen", DateTime("")}},
                {"ip", "port", "protocol"});
}

Json ContainerProfileSchema() {
  return Object(
      "What one container was seen doing.",
      {{"name", String("")},
       {"syscalls", Array("x86_64 syscall names", String(""))},
       {"capabilities", Capabilities("capabilities needed, Kubernetes spelling")},
       {"capabilityEvidence",
        Array("where the kernel checked each capability",
              Object("",
                     {{"capability", Capabilities("").at("items")},
                      {"callSite", String("kernel function that asked")},
                      {"binary", String("")},
                      {"count", Integer("")},
                      {"firstSeen", DateTime("")},
                      {"denied", Boolean("the check failed")}},
                     {"capability"}))},
       {"fileWrites",
        Array("paths modified, as the workload sees them",
              Object("",
                     {{"path", String("")},
                      {"ops", Array("", Enum("", FileOperationNames()))},
                      {"count", Integer("")},
                      {"firstSeen", DateTime("")},
                      {"summarized", Boolean("path is a directory standing for many files")},
                      {"examples", Array("", String(""))}},
                     {"path"}))},
       {"execs", Array("programs executed",
                       Object("",
                              {{"path", String("")},
                               {"privilegeGain", Boolean("setuid/setgid or file capabilities")},
                               {"count", Integer("")},
                               {"firstSeen", DateTime("")}},
                              {"path"}))},
       {"users", Array("uid/gid pairs the processes ran as",
                       Object("", {{"uid", Integer("")}, {"gid", Integer("")}}, {"uid", "gid"}))},
       {"network",
        Object("",
               {{"listen", Array("", Object("",
                                            {{"port", Port("")},
                                             {"protocol", Protocol()},
                                             {"address", String("bound address")}},
                                            {"port", "protocol"}))},
                {"ingress", Array("", Peer(""))},
                {"egress", Array("", Peer(""))},
                {"dns", Array("names queried", String(""))}})},
       {"fileSystemUse",
        Object("what the workload used from its file system besides its writes, and what "
               "the image shipped where it wrote (absent: not sampled)",
               {{"mapped", Array("files mapped into memory (libraries)", String(""))},
                {"workingDirs", Array("working directories of its processes", String(""))},
                {"openFiles", Array("regular files held open", String(""))},
                {"shipped",
                 Array("written directories and their ancestors: entries there before the "
                       "learning window",
                       Object("",
                              {{"path", String("")},
                               {"entries", Array("names, at most a few dozen", String(""))},
                               {"total", Integer("entries before the window (more: capped)")}},
                              {"path"}))}})}},
      {"name"});
}

Json PatchSchema(const std::string& description) {
  return Array(description,
               Object("an RFC 6902 operation",
                      {{"op", Enum("", {"add", "remove", "replace", "move", "copy", "test"})},
                       {"path", String("JSON pointer")},
                       {"from", String("JSON pointer (move, copy)")},
                       {"value", AnyValue("")}},
                      {"op", "path"}));
}

Json ConditionSchema() {
  return Object("The standard metav1.Condition.",
                {{"type", String("e.g. ProfileComplete, SeccompProfileInstalled, Applied")},
                 {"status", Enum("", ConditionStatusNames())},
                 {"reason", String("CamelCase reason")},
                 {"message", String("")},
                 {"lastTransitionTime", DateTime("")},
                 {"observedGeneration", Integer("")}},
                {"type", "status", "reason", "message", "lastTransitionTime"});
}

Json SettingsValuesProperties(Properties props) {
  props.emplace_back(
      "learning",
      Object("", {{"enabled", Boolean("false: do not learn (the agent ignores the pods)")},
                  {"quietPeriod", [] {
                     Json s = String("learning completes after this long without new behaviour");
                     s["pattern"] = kGoDurationPattern;
                     return s;
                   }()},
                  {"minWindow", [] {
                     Json s = String("learning lasts at least this long");
                     s["pattern"] = kGoDurationPattern;
                     return s;
                   }()},
                  {"maxWindow", [] {
                     Json s = String("learning completes after this long whatever happens");
                     s["pattern"] = kGoDurationPattern;
                     return s;
                   }()}}));
  props.emplace_back("delivery", Enum("how approved proposals are delivered", DeliveryNames()));
  props.emplace_back("enforcement",
                     Enum("the admission webhook's mode", EnforcementModeNames()));
  props.emplace_back("revertOnBreak",
                     Boolean("revert an applied proposal when the agent reports a break"));
  return Object("", props);
}

}  // namespace

Json WorkloadProfileSchema() {
  Json spec = Object("The learned behaviour.",
                     {{"target", TargetSchema("The workload profiled.")},
                      {"containers", Array("", ContainerProfileSchema())}});
  Json status = Object(
      "", {{"window", Object("", {{"start", String("RFC3339")}, {"end", String("RFC3339")}})},
           {"complete", Boolean("false when anything may be missing")},
           {"incompleteReasons", Array("", String(""))},
           {"droppedEvents", Integer("")},
           {"warnings", Array("", String(""))}});
  return Resource("Learned behaviour of a workload: partial (per node, written by the agent) "
                  "or merged (written by the controller).",
                  spec, status, true);
}

Json RemediationProposalSchema() {
  Json spec = Object(
      "",
      {{"target", TargetSchema("The workload the proposal narrows.")},
       {"decision", WithDefault(Enum("The operator's decision.", DecisionNames()), "Pending")},
       {"delivery", Enum("How to deliver once approved. Unset (as the controller creates "
                         "it): the delivery of the MinprivSettings or ClusterMinprivSettings "
                         "that apply to the workload, else the controller's --delivery flag.",
                         DeliveryNames())}},
      {"target"});
  Json container = Object("Proposed changes to one container.",
                          {{"name", String("")},
                           {"init", Boolean("an init container")},
                           {"securityContext", FreeObject("the proposed securityContext")},
                           {"volumeMounts", Array("mounts added", FreeObject(""))},
                           {"seccompProfile", String("name in status.seccompProfiles")}},
                          {"name"});
  Json conditions = Array("", ConditionSchema());
  conditions["x-kubernetes-list-type"] = "map";
  conditions["x-kubernetes-list-map-keys"] = {"type"};
  Json network_policy = FreeObject("The NetworkPolicy to create (networking.k8s.io/v1).");
  network_policy["x-kubernetes-embedded-resource"] = true;
  Json seccomp_installs = Array(
      "Nodes whose agent installed the seccomp profiles (written by the agents).",
      Object("", {{"node", String("")},
                  {"profiles", Array("names installed", String(""))},
                  {"digest", String("digest of the profiles' content installed")},
                  {"installedAt", DateTime("")}},
             {"node", "installedAt"}));
  seccomp_installs["x-kubernetes-list-type"] = "map";
  seccomp_installs["x-kubernetes-list-map-keys"] = {"node"};
  Json shadow = Array(
      "Shadow mode: each node's check of the proposal against live traffic (written by the "
      "agents).",
      Object("",
             {{"node", String("")},
              {"proposalDigest", String("digest of the proposal content checked against")},
              {"since", DateTime("checking this digest on this node since")},
              {"checkedAt", DateTime("last confirmed")},
              {"wouldBeBreaks",
               Array("behaviours the proposal would deny",
                     Object("", {{"container", String("")},
                                 {"kind", Enum("", ShadowBreakKinds())},
                                 {"what", String("e.g. syscall ptrace, write /var/lib/x")},
                                 {"process", String("comm (/path/to/exe)")},
                                 {"evidence", String("call site, count, the rule")},
                                 {"firstSeen", DateTime("")},
                                 {"count", Integer("")}},
                            {"container", "kind", "what", "firstSeen"}))},
              {"truncated", Integer("would-be breaks left out beyond the bound")}},
             {"node", "proposalDigest", "since", "checkedAt"}));
  shadow["x-kubernetes-list-type"] = "map";
  shadow["x-kubernetes-list-map-keys"] = {"node"};
  Json breaks = Array(
      "Denials that hit the workload after it was applied, per node (written by the agents).",
      Object("",
             {{"node", String("")},
              {"appliedTime", DateTime("status.applied.time the breaks are against")},
              {"breaks",
               Array("sorted, at most 50",
                     Object("", {{"container", String("")},
                                 {"kind", String("seccomp, capability, readOnlyRoot or network")},
                                 {"what", String("e.g. syscall ptrace, capability NET_RAW")},
                                 {"process", String("the process's comm")},
                                 {"evidence", String("")},
                                 {"firstSeen", DateTime("")},
                                 {"count", Integer("container instances that hit it")}},
                            {"container", "kind", "what"}))},
              {"truncated", Integer("breaks not listed")}},
             {"node"}));
  breaks["x-kubernetes-list-type"] = "map";
  breaks["x-kubernetes-list-map-keys"] = {"node"};
  Json status = Object(
      "",
      {{"phase", Enum("", PhaseNames())},
       {"observedGeneration", Integer("the spec generation this status is for")},
       {"conditions", conditions},
       {"profile", String("the merged WorkloadProfile used")},
       {"containers", Array("", container)},
       {"volumes", Array("pod volumes added", FreeObject(""))},
       {"seccompProfiles",
        Array("", Object("", {{"name", String("installed as minpriv/<name>.json")},
                              {"profile", FreeObject("OCI seccomp profile")}},
                         {"name", "profile"}))},
       {"seccompInstalls", seccomp_installs},
       {"shadow", shadow},
       {"breaks", breaks},
       {"patch", PatchSchema("RFC 6902 patch against the live workload")},
       {"networkPolicy", network_policy},
       {"evidence", Array("", Object("", {{"change", String("")}, {"evidence", String("")}},
                                     {"change", "evidence"}))},
       {"risks", Array("", Object("", {{"risk", String("")}, {"detail", String("")}}, {"risk"}))},
       {"numbers",
        Object("", {{"syscallsAllowed", Integer("distinct syscalls the seccomp profiles allow")},
                    {"runtimeDefaultSyscalls", Integer("syscalls the runtime default allows")},
                    {"capabilitiesAdded", Integer("capabilities added after dropping ALL")},
                    {"capabilitiesDropped", Integer("runtime default capabilities removed")},
                    {"writablePaths", Integer("writable mounts under a read-only root")}})},
       {"applied", Object("What was applied, to revert it.",
                          {{"time", DateTime("")},
                           {"targetResourceVersion", String("")},
                           {"patch", PatchSchema("")},
                           {"revertPatch", PatchSchema("")},
                           {"networkPolicy", String("name of the NetworkPolicy created")}},
                          {"time"})},
       {"pullRequest", Object("", {{"url", String("")},
                                   {"state", Enum("", PullRequestStateNames())}},
                              {"url", "state"})}});
  return Resource("A proposed narrowing of a workload's privileges, for an operator to approve.",
                  spec, status, true);
}

Json SettingsSchema(bool cluster_scoped) {
  Properties props;
  if (!cluster_scoped) {
    Json workload = SettingsValuesProperties({{"kind", String("e.g. Deployment")},
                                              {"name", String("")}});
    workload["required"] = {"kind", "name"};
    Json workloads = Array("Overrides for single workloads of this namespace.", workload);
    workloads["x-kubernetes-list-type"] = "map";
    workloads["x-kubernetes-list-map-keys"] = {"kind", "name"};
    props.emplace_back("workloads", workloads);
  }
  Json spec = SettingsValuesProperties(props);
  return Resource(cluster_scoped ? "minpriv's defaults for the cluster (the object named default)."
                                 : "minpriv's settings for a namespace (the object named default).",
                  spec, nullptr, false);
}

}  // namespace minpriv::crd
