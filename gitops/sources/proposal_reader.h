// Reads a proposal directory (remediator/proposer.h's contract) into what the source edits
// need, per workload: its reference, its RFC 6902 ops, its NetworkPolicy, its seccomp
// profiles (OCI JSON files and Security Profiles Operator objects) and the
// `minpriv.dev/source` annotation its narrowed object carries, if any.
#ifndef MINPRIV_GITOPS_SOURCES_PROPOSAL_READER_H_
#define MINPRIV_GITOPS_SOURCES_PROPOSAL_READER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gitops/change_set.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace minpriv::gitops {

inline constexpr char kSourceAnnotation[] = "minpriv.dev/source";

struct ProposalWorkload {
  WorkloadRef ref;
  nlohmann::ordered_json ops = nlohmann::ordered_json::array();  // RFC 6902 ops against the original object
  YAML::Node network_policy;                      // null when the proposal has none for it
  std::map<std::string, std::string> seccomp_files;  // "<stem>.json" → OCI profile text
  std::vector<YAML::Node> seccomp_profiles;          // SPO SeccompProfile objects
  std::string source_annotation;  // minpriv.dev/source on the narrowed object, or empty
};

// Sorted by namespace, kind, name. InvalidArgument naming the file for a missing or
// malformed jsonpatch.json, a malformed networkpolicy.yaml / seccompprofiles.yaml /
// narrowed.yaml, or an op of the wrong shape; NotFound when `dir` is not a directory.
absl::StatusOr<std::vector<ProposalWorkload>> ReadProposal(const std::string& dir);

// "namespace/Kind/name" (namespace "-" when empty), for messages.
std::string Describe(const WorkloadRef& ref);

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_SOURCES_PROPOSAL_READER_H_
