// The manifest index: every input object (a document, or an item of a `kind: List`
// document), what it is and where, and which of them each profile is for.
#ifndef MINPRIV_REMEDIATOR_MANIFEST_INDEX_H_
#define MINPRIV_REMEDIATOR_MANIFEST_INDEX_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "remediator/proposer.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::remediator {

// One object of the manifests.
struct ManifestObject {
  std::string source;  // its file
  std::string where;   // file:line:column
  std::string kind, api_version, name, namespace_;
};

// Parses every manifest into `proposal`: Proposal::manifests, ::originals, ::documents (deep
// copies that share no node, to be narrowed), ::original_objects and ::narrowed_objects (the
// objects, handles into those documents). Returns one ManifestObject per object, same index.
// Errors (InvalidArgument with file:line:column): malformed YAML, a document or List item
// that is not a mapping, an object without apiVersion, kind or metadata.name, an unknown kind
// of a built-in API group, a List inside a List, List items that are not a sequence.
absl::StatusOr<std::vector<ManifestObject>> IndexManifests(const std::vector<ManifestInput>& manifests,
                                                           Proposal& proposal);

// The profiles of each matched object: `objects` in the order of their first profile,
// `profiles` their profiles in input order.
struct ProfileMatches {
  std::vector<size_t> objects;
  std::map<size_t, std::vector<const ProfileInput*>> profiles;
};

// Each profile's workload, by metadata.name and (when both have one) namespace. Errors
// (InvalidArgument): a profile matching no object, several workloads, or only an object of a
// kind minpriv cannot narrow. `original_objects` as IndexManifests filled them.
absl::StatusOr<ProfileMatches> MatchProfiles(const std::vector<ProfileInput>& profiles,
                                             const std::vector<ManifestObject>& objects,
                                             const std::vector<YAML::Node>& original_objects);

// The pod spec fields minpriv reads and writes must have their Kubernetes types; a wrong
// type (`containers: foo`) is an InvalidArgument error where it is, not taken for an empty
// list. Also: no containers, a container without a name.
absl::Status CheckPodSpecTypes(const YAML::Node& pod_spec, const std::string& source);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_MANIFEST_INDEX_H_
