// Policy evaluator: what a proposal allows one container to do, and which observed
// behaviours of a WorkloadProfile fall outside it. Used by the property tests (a proposal
// never denies what was observed), by `minpriv verify` and by the admission webhook.
//
// A ContainerPolicy is always derived from the narrowed workload object, the seccomp
// profile it references and the workload's NetworkPolicy — the same function serves the
// in-memory proposal (proposer.h) and a proposal directory on disk (LoadContainerPolicy),
// so both agree by construction.
#ifndef MINPRIV_REMEDIATOR_EVALUATOR_H_
#define MINPRIV_REMEDIATOR_EVALUATOR_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crd/workload_profile.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::remediator {

struct IpBlock {
  std::string cidr;                 // "10.0.0.0/8", "fd00::/64"
  std::vector<std::string> except;  // CIDRs carved out
};

// One `from`/`to` entry of a NetworkPolicy rule.
struct NetworkPeerRule {
  std::optional<IpBlock> ip_block;
  // podSelector and/or namespaceSelector peer. Evaluated by IP only: such a peer matches
  // exactly the endpoints it was resolved from when minpriv generated it (recorded in the
  // NetworkPolicy annotation minpriv.dev/resolved-peers as "IP:PORT/PROTO"); a selector
  // peer minpriv did not generate matches nothing (conservative).
  bool has_selector = false;
  std::string selector;                  // canonical text, e.g. "ns{kubernetes.io/metadata.name=data} pod{app=redis}"
  std::set<std::string> resolved;        // "10.0.0.7:6379/TCP"
};

struct NetworkPortRule {
  std::string protocol = "TCP";
  uint32_t port = 0;      // 0: every port of the protocol
  uint32_t end_port = 0;  // 0: single port
  std::string named;      // named container port (matches through resolved peers only)
};

struct NetworkRule {
  std::vector<NetworkPeerRule> peers;  // empty: every peer
  std::vector<NetworkPortRule> ports;  // empty: every port
};

struct NetworkRules {
  std::string policy;              // "namespace/name" of the NetworkPolicy, empty: none
  bool ingress_restricted = false;  // policyTypes contains Ingress
  bool egress_restricted = false;
  std::vector<NetworkRule> ingress;
  std::vector<NetworkRule> egress;
  bool dns_allowed = true;  // some egress rule allows port 53 (UDP or TCP)
};

struct ContainerPolicy {
  std::string workload;   // "Kind/namespace/name" (namespace empty when unspecified)
  std::string container;
  bool init_container = false;

  // Syscalls: unrestricted when no seccomp filter applies (Unconfined, or no
  // seccompProfile at all), otherwise the allow list.
  bool syscalls_unrestricted = true;
  std::string seccomp_type;           // Localhost | RuntimeDefault | Unconfined | "" (unset)
  std::string seccomp_localhost;      // localhostProfile as written
  std::set<std::string> allowed_syscalls;
  // A Localhost profile that is not part of the proposal (the manifest's own): its contents
  // are unknown, syscalls_unrestricted stays true and syscalls are not judged.
  bool seccomp_unknown = false;

  bool privileged = false;
  std::set<std::string> added_capabilities;    // capabilities.add (Kubernetes spelling)
  std::set<std::string> dropped_capabilities;  // capabilities.drop ("ALL" kept as is)
  std::set<std::string> effective_capabilities;  // what the container ends up with

  bool read_only_root = false;
  std::vector<std::string> writable_paths;   // mount paths of writable volume mounts, sorted
  std::vector<std::string> read_only_paths;  // mount paths of readOnly volume mounts, sorted

  bool allow_privilege_escalation = true;
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  bool run_as_non_root = false;

  NetworkRules network;  // the pod's NetworkPolicy (shared by its containers)
};

struct Violation {
  std::string kind;     // syscall|capability|fileWrite|exec|user|ingress|egress|dns
  std::string subject;  // "ptrace", "SYS_ADMIN", "/etc/passwd", "10.0.0.9:6379/TCP"
  std::string reason;
  bool operator==(const Violation&) const = default;
  auto operator<=>(const Violation&) const = default;
};

// Everything in `observed` the policy does not allow, sorted by (kind, subject, reason).
// Rules: a syscall outside the allow list; a capability (listed, and not only ever denied)
// outside the effective set; a write to a path the policy makes read-only (read-only root
// and no writable mount covers it, or under a readOnly mount; /dev, /proc, /sys are
// separate mounts and not judged); an exec that gained privilege with
// allowPrivilegeEscalation false; uid 0 with runAsNonRoot, or a uid/gid other than
// runAsUser/runAsGroup without SETUID/SETGID; an ingress or egress peer (loopback
// excepted) no NetworkPolicy rule admits; DNS names queried with no DNS egress allowed.
std::vector<Violation> Evaluate(const ContainerPolicy& policy,
                                const crd::ContainerProfile& observed);

// Builds the policy of `container` in a workload object (Pod, Deployment, StatefulSet,
// DaemonSet, ReplicaSet, Job, CronJob). `seccomp_profiles` maps a localhostProfile value
// (e.g. "minpriv/shop-web-nginx.json") to its allow list; a Localhost profile missing from
// the map sets seccomp_unknown. `network_policy` may be undefined (no policy: unrestricted).
absl::StatusOr<ContainerPolicy> PolicyFromWorkload(
    const YAML::Node& workload, const std::string& container,
    const std::map<std::string, std::set<std::string>>& seccomp_profiles,
    const YAML::Node& network_policy);

// Reads the policy of one container from a proposal directory written by
// `minpriv propose` (narrowed.yaml, seccomp/*.json, networkpolicy.yaml).
// `workload`: "name" or "namespace/name"; empty: the only workload narrowed by minpriv.
// `container`: empty: the only container (init containers count only when no other).
absl::StatusOr<ContainerPolicy> LoadContainerPolicy(const std::string& proposal_dir,
                                                    const std::string& workload,
                                                    const std::string& container);

// Parses a seccomp profile in OCI/Docker JSON format; returns the syscalls it allows
// (names of rules with action SCMP_ACT_ALLOW). InvalidArgument on malformed input.
absl::StatusOr<std::set<std::string>> ParseSeccompAllowList(const std::string& json,
                                                            const std::string& source);

// Whether `ip` lies in `cidr` (IPv4 or IPv6); false for malformed input.
bool CidrContains(const std::string& cidr, const std::string& ip);
bool IsLoopback(const std::string& ip);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_EVALUATOR_H_
