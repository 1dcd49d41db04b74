// The controller's spec.delivery: PullRequest, wired: controller::Delivery implemented with
// gitops::ClusterDelivery (gitops/cluster_delivery.h). Maps what the pull request came to
// onto the proposal's Delivered condition and status.pullRequest:
//   opened, updated, base merged, unchanged → Delivered=True, PullRequestOpen, {url, Open},
//     and a requeue after `recheck` so that a merge or close on the forge is recorded without
//     another trigger
//   merged (or the base already has it after our merge) → Delivered=True, {url, Merged}
//   closed without merging, same proposal → Delivered=False, PullRequestClosed, {url, Closed}
//   already in the repository, no pull request → Delivered=True, AlreadyInRepository
//   conflict with the base → Delivered=False, BaseConflict (nothing pushed)
//   sources not found once → Delivered=False, SourceNotFound / SourceAmbiguous
//   the token unreadable or refused → Delivered=False, TokenUnavailable / TokenRefused
//   the proposal does not apply to the sources → Delivered=False, SourceNotEditable
// Transient failures (the forge or git unreachable, a rate limit beyond the bounded wait, a
// broken lease) are errors: the reconcile is retried with backoff.
#ifndef MINPRIV_CLI_PULL_REQUEST_DELIVERY_H_
#define MINPRIV_CLI_PULL_REQUEST_DELIVERY_H_

#include <memory>

#include "absl/time/time.h"
#include "controller/delivery.h"
#include "gitops/cluster_delivery.h"

namespace minpriv::cli {

class GitOpsPullRequestDelivery : public controller::Delivery {
 public:
  GitOpsPullRequestDelivery(std::unique_ptr<gitops::ClusterDelivery> gitops,
                            absl::Duration recheck)
      : gitops_(std::move(gitops)), recheck_(recheck) {}
  absl::StatusOr<controller::DeliveryResult> Deliver(const controller::Proposal& proposal) override;

 private:
  absl::StatusOr<controller::DeliveryResult> Map(
      const controller::Proposal& proposal,
      const absl::StatusOr<gitops::ClusterDeliveryResult>& done);
  std::unique_ptr<gitops::ClusterDelivery> gitops_;
  absl::Duration recheck_;
};

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_PULL_REQUEST_DELIVERY_H_
