// One AdmissionReview in, one reply out: decode, find the governing approved policy, compare,
// and answer per mode (off: allow; audit: allow with warnings and audit annotations;
// enforce: deny with every widening listed, and on /mutate add the missing approved fields).
// Pure: no I/O, no side effects beyond metrics, so dryRun requests get the same answer.
#ifndef MINPRIV_WEBHOOKS_ADMISSION_HANDLER_H_
#define MINPRIV_WEBHOOKS_ADMISSION_HANDLER_H_

#include <string>
#include <string_view>

#include "webhooks/admission_review.h"
#include "webhooks/metrics.h"
#include "webhooks/policy.h"

namespace minpriv::webhooks {

enum class Endpoint { kValidate, kMutate };

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class AdmissionHandler {
 public:
  // `source` and `metrics` must outlive the handler.
  AdmissionHandler(const ApprovedPolicySource& source, Mode default_mode, Metrics& metrics)
      : source_(source), default_mode_(default_mode), metrics_(metrics) {}

  HttpReply Handle(Endpoint endpoint, std::string_view body) const;

  // The decision alone (for tests and the fuzzer): verdict and reason as counted in metrics.
  struct Decision {
    AdmissionResponse response;
    std::string verdict;
    std::string reason;
  };
  Decision Decide(Endpoint endpoint, const AdmissionRequest& request) const;

 private:
  const ApprovedPolicySource& source_;
  Mode default_mode_;
  Metrics& metrics_;
};

}  // namespace minpriv::webhooks

#endif  // MINPRIV_WEBHOOKS_ADMISSION_HANDLER_H_
