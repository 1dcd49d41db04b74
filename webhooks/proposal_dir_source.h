// The `--proposals DIR` policy source: a directory `minpriv propose` wrote (narrowed.yaml,
// summary.json, seccomp/, profiles/) or a directory of such directories. Every workload a
// proposal narrowed (listed in its summary.json) counts as approved, with its narrowed pod
// template as the policy and its learned profile (profiles/) as the evidence.
//
// Mode overrides live in DIR/webhook-settings.yaml, written by whoever may change minpriv's
// settings:
//   apiVersion: minpriv.dev/v1alpha1
//   kind: WebhookSettings
//   namespaces: {shop: enforce}
//   workloads: {shop/Deployment/shop-web: "off"}
#ifndef MINPRIV_WEBHOOKS_PROPOSAL_DIR_SOURCE_H_
#define MINPRIV_WEBHOOKS_PROPOSAL_DIR_SOURCE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "webhooks/policy.h"

namespace minpriv::webhooks {

// Reads every proposal under `dir`. InvalidArgument (with file:line:column where there is
// one) for a malformed file, a directory holding no proposal, or one workload approved by two
// proposals.
absl::StatusOr<std::shared_ptr<const PolicySnapshot>> LoadProposalSnapshot(const std::string& dir);

class ProposalDirSource : public SnapshotHolder {
 public:
  explicit ProposalDirSource(std::string dir) : dir_(std::move(dir)) {}
  // Loads and publishes the directory; on error the previous snapshot stays in place.
  absl::Status Load();
  // Loads again when any file's size, mtime or inode changed since the last Load (called
  // periodically by the server). Returns the error of a failed reload.
  absl::Status ReloadIfChanged();

 private:
  std::string Fingerprint() const;
  std::string dir_;
  std::string fingerprint_;
};

}  // namespace minpriv::webhooks

#endif  // MINPRIV_WEBHOOKS_PROPOSAL_DIR_SOURCE_H_
