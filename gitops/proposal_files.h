// A RemediationProposal's status (as the controller wrote it for one live workload) as the
// proposal directory `minpriv propose` would have written, so that the controller's
// `spec.delivery: PullRequest` finds and edits the workload's sources exactly as `minpriv
// pr` does (gitops::PlanChanges): jsonpatch.json (the status' RFC 6902 ops without the
// `test` guards, which speak of the live object, not of the repository's text),
// networkpolicy.yaml, seccomp/<name>.json and report.md (changes, evidence, risks).
#ifndef MINPRIV_GITOPS_PROPOSAL_FILES_H_
#define MINPRIV_GITOPS_PROPOSAL_FILES_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "crd/remediation_proposal.h"
#include "gitops/change_set.h"

namespace minpriv::gitops {

struct ProposalFilesInput {
  WorkloadRef workload;  // the workload the proposal is for (apiVersion, kind, ns, name)
  const crd::ProposalStatus* status = nullptr;
  std::string proposal_name;  // the RemediationProposal's name, for the report
  int64_t revision = 0;
};

// Writes the files into `dir` (which must exist). InvalidArgument when the status has no
// patch.
absl::Status WriteProposalFiles(const ProposalFilesInput& in, const std::string& dir);

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_PROPOSAL_FILES_H_
