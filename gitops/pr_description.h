// The pull request's words: its title, its description (before/after table, each change
// with its evidence, the verification verdict, risks, rollback, the digest marker) and
// the commit message (conventional, with the digest as a trailer). Deterministic: the same
// inputs give byte-identical text, so a re-run can tell "same" by comparing.
#ifndef MINPRIV_GITOPS_PR_DESCRIPTION_H_
#define MINPRIV_GITOPS_PR_DESCRIPTION_H_

#include <string>

#include "gitops/change_set.h"
#include "gitops/pr_evidence.h"

namespace minpriv::gitops {

struct PullRequestText {
  std::string title;
  std::string body;
  std::string commit_message;
};

// Evidence longer than this many lines is folded into <details>.
inline constexpr int kFoldLines = 25;

PullRequestText DescribePullRequest(const WorkloadChange& change, const ProposalEvidence& evidence,
                                    const std::string& digest);

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_PR_DESCRIPTION_H_
