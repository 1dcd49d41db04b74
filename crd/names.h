// Names of minpriv's resources for a workload, valid Kubernetes object names.
//
// MergedProfileName(kind, name) = "<kind>-<name>" and PartialProfileName(kind, name, node) =
// "<kind>-<name>-<node>", lower case ("deployment-shopfront", "deployment-shopfront-node-1").
// The RemediationProposal of a workload has the merged profile's name.
//
// Every result is a DNS-1123 subdomain (lower-case alphanumerics, '-' and '.', starting and
// ending with an alphanumeric, at most 253 characters). Workload and node names are already
// DNS-1123 names in Kubernetes; anything else is made one deterministically: lower-cased,
// characters outside [a-z0-9.-] replaced by '-', leading/trailing '-'/'.' removed. When the
// joined name exceeds 253 characters it becomes its first 236 characters (trailing '-'/'.'
// removed) + "-" + 16 hex digits of the 64-bit FNV-1a hash of the full joined name (253 at
// most). Same input, same name; two long names that share a prefix still differ.
#ifndef MINPRIV_CRD_NAMES_H_
#define MINPRIV_CRD_NAMES_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace minpriv::crd {

inline constexpr size_t kMaxObjectNameLength = 253;

std::string MergedProfileName(std::string_view kind, std::string_view name);
std::string PartialProfileName(std::string_view kind, std::string_view name,
                               std::string_view node);

bool IsDns1123Subdomain(std::string_view name);

// The 64-bit FNV-1a hash (names' suffixes, content digests).
uint64_t Fnv1a64(std::string_view s);

}  // namespace minpriv::crd

#endif  // MINPRIV_CRD_NAMES_H_
