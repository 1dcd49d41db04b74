// RemediationProposal: what minpriv proposes for one workload, as the namespaced resource
// `minpriv.dev/v1alpha1, Kind=RemediationProposal` (short name `rp`), named like the merged
// WorkloadProfile (MergedProfileName: "<kind>-<name>"). The operator owns `spec.decision`;
// the controller owns `status`. Plain data: embedded Kubernetes and OCI objects (a
// securityContext, volumes, the NetworkPolicy, the seccomp profile, the JSON patch) are kept
// as JSON values, checked for shape by the codec (remediation_proposal_json.h).
#ifndef MINPRIV_CRD_REMEDIATION_PROPOSAL_H_
#define MINPRIV_CRD_REMEDIATION_PROPOSAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crd/object_meta.h"

namespace minpriv::crd {

inline constexpr char kRemediationProposalKind[] = "RemediationProposal";

enum class Decision { kPending, kApproved, kRejected };
enum class Delivery { kApply, kPullRequest };
enum class ProposalPhase { kLearning, kProposed, kApproved, kApplied, kRejected, kSuperseded, kFailed };
enum class ConditionStatus { kTrue, kFalse, kUnknown };
enum class PullRequestState { kOpen, kMerged, kClosed };

// Spellings in the API ("Pending", "PullRequest", "Superseded", "True", "Open").
const char* DecisionName(Decision d);
const char* DeliveryName(Delivery d);
const char* PhaseName(ProposalPhase p);
const char* ConditionStatusName(ConditionStatus s);
const char* PullRequestStateName(PullRequestState s);
// All names of each enum, in declaration order (for schemas and messages).
const std::vector<std::string>& DecisionNames();
const std::vector<std::string>& DeliveryNames();
const std::vector<std::string>& PhaseNames();
const std::vector<std::string>& ConditionStatusNames();
const std::vector<std::string>& PullRequestStateNames();

// Condition types the controller and agent set (reasons are CamelCase words of their own).
inline constexpr char kConditionProfileComplete[] = "ProfileComplete";
inline constexpr char kConditionSeccompProfileInstalled[] = "SeccompProfileInstalled";
inline constexpr char kConditionApplied[] = "Applied";
inline constexpr char kConditionPullRequestOpen[] = "PullRequestOpen";
inline constexpr char kConditionProvenOnLiveTraffic[] = "ProvenOnLiveTraffic";
inline constexpr char kConditionValid[] = "Valid";  // false: the object was edited into nonsense
inline constexpr char kConditionBroken[] = "Broken";  // denials after apply (status.breaks)

// The standard metav1.Condition shape.
struct Condition {
  std::string type;
  ConditionStatus status = ConditionStatus::kUnknown;
  std::string reason;                // CamelCase, required
  std::string message;               // may be empty
  std::string last_transition_time;  // RFC3339, required
  int64_t observed_generation = 0;   // 0: not written
  bool operator==(const Condition&) const = default;
};

// What the proposal changes in one container.
struct ContainerChange {
  std::string name;
  bool init = false;  // an init container
  nlohmann::json security_context = nlohmann::json::object();  // the proposed securityContext
  std::vector<nlohmann::json> volume_mounts;  // volumeMounts added (objects)
  std::string seccomp_profile;  // name in status.seccompProfiles, e.g. "shop-shopfront-app"
  bool operator==(const ContainerChange&) const = default;
};

struct SeccompProfile {
  std::string name;          // installed on nodes as <seccomp dir>/minpriv/<name>.json
  nlohmann::json profile = nlohmann::json::object();  // OCI seccomp JSON (defaultAction, syscalls)
  bool operator==(const SeccompProfile&) const = default;
};

// One node's installation of the proposal's seccomp profiles, written by that node's agent
// (`minpriv agent --seccomp-dir`): the controller patches a workload with a Localhost profile
// only when every node it needs has an entry whose digest is the current profiles'.
struct SeccompInstall {
  std::string node;
  std::vector<std::string> profiles;  // names installed, sorted
  std::string digest;                 // SeccompProfilesDigest of what was installed
  std::string installed_at;           // RFC3339
  bool operator==(const SeccompInstall&) const = default;
};

// One behaviour a node's agent saw that a proposal denies: would deny (shadow mode, phase
// Proposed: status.shadow[].wouldBeBreaks) or denied (after apply: status.breaks[].breaks).
struct BreakItem {
  std::string container;
  // shadow: syscall | capability | write | network (ShadowBreakKinds);
  // after apply: seccomp | capability | readOnlyRoot | network.
  std::string kind;
  std::string what;        // "syscall ptrace", "capability NET_RAW", "write /var/lib/x",
                           // "egress 10.0.0.5:5432/TCP"
  std::string process;     // the process as far as the observer knows it ("comm (/exe)")
  std::string evidence;    // errno, call site, the rule of the proposal that (would) deny it
  std::string first_seen;  // RFC3339 (always set in shadow mode)
  int64_t count = 0;       // occurrences (shadow) or container instances that hit it (breaks)
  bool operator==(const BreakItem&) const = default;
};
using ShadowBreak = BreakItem;

// One node's shadow check of the proposal's current content (written by that node's agent).
struct ShadowReport {
  std::string node;
  std::string proposal_digest;  // ProposalContentDigest of the content checked against
  std::string since;            // RFC3339: checking this digest on this node since
  std::string checked_at;       // RFC3339: last confirmed
  std::vector<ShadowBreak> would_be_breaks;  // sorted, unique, at most kMaxShadowBreaks
  int64_t truncated = 0;                     // would-be breaks left out beyond the bound
  bool operator==(const ShadowReport&) const = default;
};
inline constexpr size_t kMaxShadowBreaks = 50;
const std::vector<std::string>& ShadowBreakKinds();

// One node's breaks (status.breaks), written by that node's agent for a proposal in phase
// Applied: the denials its containers met since `applied_time` (status.applied.time when the
// agent reported; an entry for another time is stale).
struct NodeBreaks {
  std::string node;
  std::string applied_time;       // RFC3339
  std::vector<BreakItem> breaks;  // sorted by (container, kind, what), at most kMaxBreaksPerNode
  int64_t truncated = 0;          // further breaks not listed
  bool operator==(const NodeBreaks&) const = default;
};
inline constexpr size_t kMaxBreaksPerNode = 50;

struct ChangeEvidence {
  std::string change;    // "drop capability NET_RAW", "readOnlyRootFilesystem: true"
  std::string evidence;  // why it is safe: what was (not) observed
  bool operator==(const ChangeEvidence&) const = default;
};

struct Risk {
  std::string risk;    // "syscall ptrace seen in 1 of 3 replicas"
  std::string detail;  // what to check
  bool operator==(const Risk&) const = default;
};

struct ProposalNumbers {
  int64_t syscalls_allowed = 0;         // distinct syscalls the seccomp profiles allow
  int64_t runtime_default_syscalls = 0; // what the container runtime's default allows
  int64_t capabilities_added = 0;       // beyond none (the proposal drops ALL first)
  int64_t capabilities_dropped = 0;     // of the runtime's default set
  int64_t writable_paths = 0;           // writable mounts under a read-only root
  bool operator==(const ProposalNumbers&) const = default;
};

// What was applied, so a later `decision: Rejected` can revert it exactly.
struct AppliedRecord {
  std::string time;                     // RFC3339
  std::string target_resource_version;  // the workload's resourceVersion after the patch
  nlohmann::json patch = nlohmann::json::array();         // RFC 6902 ops applied
  nlohmann::json revert_patch = nlohmann::json::array();  // RFC 6902 ops that undo it
  std::string network_policy;           // name of the NetworkPolicy created (empty: none)
  bool operator==(const AppliedRecord&) const = default;
};

struct PullRequestRef {
  std::string url;
  PullRequestState state = PullRequestState::kOpen;
  bool operator==(const PullRequestRef&) const = default;
};

struct ProposalSpec {
  Target target;
  Decision decision = Decision::kPending;
  std::optional<Delivery> delivery;  // absent: the controller's --delivery
  bool operator==(const ProposalSpec&) const = default;
};

struct ProposalStatus {
  std::optional<ProposalPhase> phase;  // absent until the controller first reconciles
  int64_t observed_generation = 0;
  std::vector<Condition> conditions;   // one per type
  std::string profile;                 // name of the merged WorkloadProfile used
  std::vector<ContainerChange> containers;
  std::vector<nlohmann::json> volumes;  // pod volumes added (objects with a name)
  std::vector<SeccompProfile> seccomp_profiles;
  std::vector<SeccompInstall> seccomp_installs;  // by node; written by the agents
  std::vector<ShadowReport> shadow;              // by node; written by the agents
  std::vector<NodeBreaks> breaks;                 // by node; written by the agents
  nlohmann::json patch = nlohmann::json::array();  // RFC 6902 against the live object
  nlohmann::json network_policy;  // a networking.k8s.io/v1 NetworkPolicy; null: none
  std::vector<ChangeEvidence> evidence;
  std::vector<Risk> risks;
  std::optional<ProposalNumbers> numbers;
  std::optional<AppliedRecord> applied;
  std::optional<PullRequestRef> pull_request;
  bool operator==(const ProposalStatus&) const = default;
};

struct RemediationProposal {
  ObjectMeta metadata;
  ProposalSpec spec;
  ProposalStatus status;
  bool operator==(const RemediationProposal&) const = default;
};

}  // namespace minpriv::crd

#endif  // MINPRIV_CRD_REMEDIATION_PROPOSAL_H_
