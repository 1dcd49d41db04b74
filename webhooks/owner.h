// Which approved workload a request belongs to: the object itself, or its controller by
// ownerReferences (a ReplicaSet of a Deployment, a Job of a CronJob), or for a Pod the
// controller of its controller by the naming the controllers use (ReplicaSet
// "<deployment>-<pod-template-hash>", Job "<cronjob>-<scheduled minute>"). Never by image
// or labels: those are the requester's to set.
#ifndef MINPRIV_WEBHOOKS_OWNER_H_
#define MINPRIV_WEBHOOKS_OWNER_H_

#include "webhooks/admission_review.h"
#include "webhooks/policy.h"

namespace minpriv::webhooks {

// The approved policy governing the request's object, or nullptr. `owners` (may be null)
// answers a Pod's ReplicaSet → Deployment and Job → CronJob from the cluster's cache; objects
// it does not know fall back to the controllers' naming.
const ApprovedPolicy* FindGoverningPolicy(const PolicySnapshot& snapshot,
                                          const AdmissionRequest& request,
                                          const OwnerLookup* owners = nullptr);

}  // namespace minpriv::webhooks

#endif  // MINPRIV_WEBHOOKS_OWNER_H_
