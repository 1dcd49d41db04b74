// Idempotent delivery of one workload's planned edits as a pull (merge) request, the way
// Renovate keeps its branches: one branch per workload, found again by name; level-
// triggered (read the forge and the branch, converge, write only what differs):
//
//   no pull request           → branch from the base, one commit, push, open it (labels)
//   open, same proposal       → nothing (reads only); base moved → merge it in and push
//   open, changed proposal    → a commit on the same branch, push with lease, description
//                               updated
//   merged or closed, same    → left alone (the decision is recorded in the description's
//   proposal                    digest marker)
//   merged or closed, changed → the branch restarted from the base, a new pull request
//   the base moved and conflicts with the branch → reported, nothing pushed
#ifndef MINPRIV_GITOPS_DELIVERY_H_
#define MINPRIV_GITOPS_DELIVERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gitops/change_set.h"
#include "gitops/forge_client.h"
#include "gitops/git_workdir.h"
#include "gitops/pr_description.h"
#include "gitops/pr_evidence.h"

namespace minpriv::gitops {

enum class Outcome {
  kOpened,           // a new pull request
  kUpdated,          // the open one got a commit and/or a new description
  kBaseMerged,       // same proposal; the moved base was merged into the branch
  kUnchanged,        // same proposal, nothing to do
  kMergedLeftAlone,  // merged with this proposal
  kClosedRespected,  // closed without merging with this proposal: not reopened
  kConflict,         // the base moved and conflicts with the branch: nothing pushed
  kAlreadyNarrowed,  // the base already has these settings
  kDryRun,           // nothing pushed; diff and text filled in
};
const char* OutcomeName(Outcome outcome);  // "opened", "updated", ...

struct WorkloadDelivery {
  WorkloadRef workload;
  std::string branch;
  Outcome outcome = Outcome::kUnchanged;
  std::string url;      // the pull request's, when there is one
  int64_t number = 0;
  std::string message;  // one line for the user (conflicting files, what was left alone)
  bool pushed = false;
  bool forge_written = false;  // a POST/PATCH/PUT was sent
  std::string diff;            // dry run: the unified diff against the base
  PullRequestText text;        // the title, description and commit message used
};

struct DeliveryOptions {
  std::vector<std::string> labels = {"security", "minpriv"};
  bool dry_run = false;  // no forge needed; nothing pushed
};

class Delivery {
 public:
  // `forge` may be null for a dry run. All pointers must outlive the Delivery.
  Delivery(GitWorkdir* repo, ForgeClient* forge, const ProposalEvidence* evidence,
           DeliveryOptions options = {});

  // Errors: git or the forge failed (a lease broken by someone else's push is Aborted;
  // a refused token PermissionDenied/Unauthenticated, before anything was pushed).
  absl::StatusOr<WorkloadDelivery> Deliver(const WorkloadChange& change);

 private:
  absl::StatusOr<WorkloadDelivery> DryRun(const WorkloadChange& change, WorkloadDelivery d);
  absl::Status ContinueOpen(const WorkloadChange& change, const PullRequest& open,
                            WorkloadDelivery* d);
  absl::Status OpenNew(const WorkloadChange& change, WorkloadDelivery* d);

  GitWorkdir* repo_;
  ForgeClient* forge_;
  const ProposalEvidence* evidence_;
  DeliveryOptions options_;
};

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_DELIVERY_H_
