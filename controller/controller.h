// `minpriv controller`: informers on minpriv's resources and settings, the workloads (every
// kind in resources.h), Pods, Services, EndpointSlices and Namespaces; a work queue keyed by workload ("namespace/Kind/name"); workers running the
// Reconciler while this replica leads (a coordination.k8s.io/v1 Lease when
// lease_namespace is set); /metrics, /healthz and /readyz on metrics_addr.
#ifndef MINPRIV_CONTROLLER_CONTROLLER_H_
#define MINPRIV_CONTROLLER_CONTROLLER_H_

#include <atomic>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "controller/delivery.h"
#include "controller/merge.h"
#include "crd/remediation_proposal.h"

namespace minpriv::controller {

struct ControllerOptions {
  std::string kubeconfig;  // empty: $KUBECONFIG, ~/.kube/config, then in-cluster
  std::string ns;          // empty: every namespace
  Windows windows;
  crd::Delivery delivery = crd::Delivery::kApply;
  absl::Duration shadow_period = absl::Hours(24);  // ProvenOnLiveTraffic after this long
  std::string lease_namespace;  // empty: no leader election (a single replica)
  std::string lease_name = "minpriv-controller";
  absl::Duration lease_duration = absl::Seconds(15);
  std::string identity;      // empty: hostname + pid
  std::string metrics_addr;  // "HOST:PORT" or ":PORT"; empty: no HTTP endpoint
  int workers = 4;
  // spec.delivery: PullRequest (not owned; must outlive RunController); null: such proposals
  // wait with Delivered=False, reason PullRequestDeliveryPending (controller/delivery.h).
  Delivery* pull_request = nullptr;
};

// Runs until *stop becomes true (checked every 100 ms) or, with leader election, until this
// replica loses the lease after leading (the process then exits so that it restarts clean).
absl::Status RunController(const ControllerOptions& options, const std::atomic<bool>* stop);

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_CONTROLLER_H_
