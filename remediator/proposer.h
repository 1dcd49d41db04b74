// The proposal: profiles + manifests (+ inventory) → narrowed manifests, seccomp profiles,
// NetworkPolicies, patches and a report; and the proposal directory writer. The public API
// of the remediator's proposer; its parts: manifest_index.h (objects and matching),
// narrow_*.h (one kind of narrowing each, contract in narrowing.h), replica_divergence.h,
// network_policy.h, render_*.h (one output file each) and writer.cc.
//
// Proposal directory (a contract shared with the verifier):
//   narrowed.yaml          every input document, in order, matched workloads narrowed: each
//                          input file's own text edited in place (comments and layout kept,
//                          yaml_text.h); a file that cannot be edited so is re-serialised
//                          (its comments lost) and report.md names it
//   patch.yaml             strategic-merge patches, one document per changed object
//   jsonpatch.json         [{target: {apiVersion, kind, name, namespace}, patch: [RFC 6902 ops
//                          against the original object]}], sorted by namespace/name/kind
//   kustomization.yaml     resources: [narrowed.yaml, networkpolicy.yaml]
//   networkpolicy.yaml     one NetworkPolicy <workload>-minpriv per workload
//   seccomp/<name>.json    OCI/Docker seccomp profile, <name> = [<namespace>-]<workload>-<container>;
//                          referenced as localhostProfile: minpriv/<name>.json
//   seccompprofiles.yaml   the same profiles as Security Profiles Operator SeccompProfiles
//   profiles/<name>.yaml   the learned WorkloadProfile applied to each workload, <name> =
//                          [<namespace>-]<workload> (crd::EmitWorkloadProfile); the
//                          evidence verify judges against (learned loopback peers, denials)
//   report.md              changes, evidence, what they remove, risks
//   summary.json           machine-readable per container summary
#ifndef MINPRIV_REMEDIATOR_PROPOSER_H_
#define MINPRIV_REMEDIATOR_PROPOSER_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crd/workload_profile.h"
#include "remediator/evaluator.h"
#include "remediator/network_policy.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::remediator {

struct ProfileInput {
  std::string source;  // file name, for messages
  crd::WorkloadProfile profile;
};

struct ManifestInput {
  std::string source;
  std::string text;
};

// A syscall allowed because an executed binary imports a C library function that makes it,
// not because it was observed nor for the runtime.
struct ReachableOnlySyscall {
  std::string name;
  std::vector<std::string> evidence;  // "imported by /usr/sbin/nginx as sendfile64"
};

struct ContainerProposal {
  std::string name;
  bool init = false;
  crd::ContainerProfile profile;
  std::string seccomp_name;                  // file stem under seccomp/
  std::vector<std::string> seccomp_allowed;  // allow list written (sorted)
  std::vector<std::string> runtime_only;     // allowed for the runtime, not seen in the workload
  // Set when the profile carries `reachable` and --seccomp reachable applies: the allow list
  // then also holds `reachable_only`; `static_binaries` get a risk line; a complain-mode
  // variant seccomp/<name>-complain.json is written and referenced.
  bool reachability = false;
  std::vector<ReachableOnlySyscall> reachable_only;  // sorted by name
  bool seccomp_referenced = false;           // the container's seccompProfile points at it
  std::vector<std::string> caps_added;
  std::vector<std::string> caps_dropped;     // runtime default capabilities no longer granted
  std::vector<std::string> new_mounts;       // emptyDir mount paths added
  // Only with a profile's fileSystemUse: emptyDir mount paths seeded from the image by an
  // init container, and the written directories that keep the root writable.
  std::vector<std::string> seeded_mounts;
  std::vector<std::string> root_writable_because;
  std::vector<std::string> changes;          // report lines (markdown)
  std::vector<std::string> risks;
  ContainerPolicy policy;                    // what the narrowed workload allows
};

struct WorkloadProposal {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string namespace_;
  std::string location;        // manifest file:line:column
  std::string profile_source;    // its file, or the files merged (comma-separated)
  size_t profile_count = 1;      // profiles merged into `profile`
  crd::WorkloadProfile profile;  // the profile applied (merged when several; under profiles/)
  // With several profiles: the behaviours only some of them saw, e.g. "container app:
  // syscall ptrace, seen in 1 of 3 profiles (b.yaml)". All are allowed; a reviewer checks them.
  std::vector<std::string> divergence;
  crd::ProfileStatus status;
  size_t object = 0;           // index into Proposal::narrowed_objects
  std::vector<ContainerProposal> containers;  // manifest order: init containers first
  std::vector<std::string> risks;             // pod-level
  NetworkPolicyBuild network;
};

// One input manifest file and the documents it holds: [first, first + count) of
// Proposal::originals/documents.
struct ManifestFile {
  std::string source;
  std::string text;
  size_t first = 0;
  size_t count = 0;
};

struct Proposal {
  std::vector<YAML::Node> originals;   // every input document, in order
  std::vector<YAML::Node> documents;   // narrowed (same order)
  std::vector<ManifestFile> manifests;  // input order
  // Every object: a document, or an item of a `kind: List` document (handles into the
  // documents above, so narrowing an object narrows its document).
  std::vector<YAML::Node> original_objects;
  std::vector<YAML::Node> narrowed_objects;
  std::vector<WorkloadProposal> workloads;  // sorted by namespace, name, kind
};

enum class SeccompMode {
  kObserved,   // observed ∪ runtime needs
  kReachable,  // observed ∪ runtime needs ∪ reachable by import (when the profile has it)
};

struct ProposeOptions {
  SeccompMode seccomp = SeccompMode::kReachable;
};

// Errors (InvalidArgument, with file:line:column where there is one): malformed YAML, pod
// spec fields of the wrong type (containers, initContainers, volumes, volumeMounts,
// securityContext),
// documents without apiVersion/kind/metadata.name, unknown kinds of built-in API groups, a
// profile matching no workload (or several, or one of an unsupported kind), a profile
// container missing from its workload. Several profiles of one workload are merged.
absl::StatusOr<Proposal> Propose(const std::vector<ProfileInput>& profiles,
                                 const std::vector<ManifestInput>& manifests,
                                 const Inventory& inventory,
                                 const ProposeOptions& options = {});

// Every file of the proposal directory: relative path → contents. Deterministic.
std::map<std::string, std::string> RenderProposal(const Proposal& proposal);

// Writes `files` as directory `dir`, all or nothing: built in a sibling temporary directory
// and renamed into place. An existing non-empty `dir` is an InvalidArgument error unless
// `force`, which replaces it atomically (renameat2 RENAME_EXCHANGE).
absl::Status WriteProposalDir(const std::map<std::string, std::string>& files,
                              const std::string& dir, bool force);

// The policy of one container of the in-memory proposal (same rules as LoadContainerPolicy).
absl::StatusOr<ContainerPolicy> PolicyFor(const Proposal& proposal, const std::string& workload,
                                          const std::string& container);

// Directories to mount writable volumes on, for files written outside existing mounts:
// collapsed to a small set (well-known scratch roots, nesting removed, siblings merged).
std::vector<std::string> CollapseWritableDirs(const std::vector<crd::FileWrite>& writes);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_PROPOSER_H_
