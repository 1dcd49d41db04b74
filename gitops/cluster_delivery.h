// The controller's `spec.delivery: PullRequest` through the same two halves `minpriv pr`
// uses: an approved RemediationProposal's status → a proposal directory (proposal_files.h)
// → the workload's sources found and edited in the team's repository (PlanChanges) → its
// branch, commit and pull (merge) request (Delivery), idempotently. The repository comes
// from the controller's --git-* flags; the token from a Secret, read at each delivery (a
// rotated token is used at once), handed to git through Askpass only and never logged.
// Bounded: git commands and the forge's rate limits have short limits (the caller is a
// reconcile worker).
#ifndef MINPRIV_GITOPS_CLUSTER_DELIVERY_H_
#define MINPRIV_GITOPS_CLUSTER_DELIVERY_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gitops/change_set.h"
#include "gitops/delivery.h"
#include "gitops/forge_http.h"
#include "gitops/forge_target.h"
#include "gitops/proposal_files.h"
#include "kube/rest_client.h"

namespace minpriv::gitops {

// --git-token-secret NS/NAME[/KEY] (KEY defaults to "token").
struct SecretKeyRef {
  std::string ns, name, key = "token";
};
// InvalidArgument naming the flag for anything but NS/NAME or NS/NAME/KEY.
absl::StatusOr<SecretKeyRef> ParseSecretKeyRef(const std::string& text);

// The token in data[KEY] of the Secret (base64-decoded, surrounding white space removed).
// FailedPrecondition saying which Secret and key when it is missing, forbidden, malformed or
// empty (Unavailable / DeadlineExceeded, retried, when the API server is unreachable); the
// token's value never appears in an error.
absl::StatusOr<std::string> ReadTokenSecret(const kube::RestClient& client, const SecretKeyRef& ref);

struct ClusterDeliveryOptions {
  ForgeFlags repository;      // --git-repo, --git-forge, --git-api-url, --git-project
  std::string base = "main";  // --git-base
  std::string work_root;      // clones are kept here, one per workload (created 0700)
  std::string ca_file;        // --git-ca-file: PEM CAs for the forge's HTTPS (git and REST)
  absl::Duration git_timeout = absl::Minutes(2);
  RateLimitPolicy rate_limits = {2, absl::Seconds(30), absl::Seconds(30)};
};

// What one delivery came to: the pull request's (WorkloadDelivery), or the workload's
// sources not found once in the repository (Unresolved; nothing pushed).
struct ClusterDeliveryResult {
  std::optional<WorkloadDelivery> delivery;
  std::optional<Unresolved> unresolved;
};

using TokenSource = std::function<absl::StatusOr<std::string>()>;

class ClusterDelivery {
 public:
  // InvalidArgument for repository settings that do not name a forge and project.
  static absl::StatusOr<std::unique_ptr<ClusterDelivery>> Create(ClusterDeliveryOptions options,
                                                                 TokenSource token);

  // Errors: the token unavailable (FailedPrecondition), refused (PermissionDenied or
  // Unauthenticated, before anything was pushed), the proposal not editable into the
  // sources (InvalidArgument, FailedPrecondition), git or the forge failing (Unavailable,
  // DeadlineExceeded, ResourceExhausted, Aborted). Messages are redacted of the token.
  // Not for concurrent calls on the same workload (a work queue never makes them).
  absl::StatusOr<ClusterDeliveryResult> Deliver(const ProposalFilesInput& proposal);

  const ForgeTarget& target() const { return target_; }

 private:
  ClusterDelivery(ClusterDeliveryOptions options, ForgeTarget target, TokenSource token)
      : options_(std::move(options)), target_(std::move(target)), token_(std::move(token)) {}

  ClusterDeliveryOptions options_;
  ForgeTarget target_;
  TokenSource token_;
};

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_CLUSTER_DELIVERY_H_
