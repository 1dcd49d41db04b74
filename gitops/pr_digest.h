// The record of what a minpriv branch proposes: a digest of one workload's edits (its
// files' paths and new contents), written into the pull request's description and the
// commit's trailer, so that a later run knows whether it proposes the same thing again
// (nothing to do; a closed pull request stays closed) or something new.
#ifndef MINPRIV_GITOPS_PR_DIGEST_H_
#define MINPRIV_GITOPS_PR_DIGEST_H_

#include <string>

#include "gitops/change_set.h"

namespace minpriv::gitops {

inline constexpr char kDigestTrailer[] = "Minpriv-Proposal";

// sha256 (hex, 64 characters) of the workload and each change's path and new content.
std::string ProposalDigest(const WorkloadChange& change);

// The marker line for a description: "<!-- minpriv:proposal-digest=HEX -->".
std::string DigestMarker(const std::string& digest);
// The digest a description's marker records; empty when it has none.
std::string DigestInBody(const std::string& body);

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_PR_DIGEST_H_
