// Kubernetes Events (core/v1) on a target workload. Names are deterministic (workload name +
// a hash of reason and message), so the same Event is created once however often a
// reconcile repeats, and a new leader does not repeat its predecessor's Events.
#ifndef MINPRIV_CONTROLLER_EVENTS_H_
#define MINPRIV_CONTROLLER_EVENTS_H_

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/synchronization/mutex.h"
#include "controller/metrics.h"
#include "kube/rest_client.h"

namespace minpriv::controller {

class EventRecorder {
 public:
  EventRecorder(kube::RestClient client, Metrics* metrics)
      : client_(std::move(client)), metrics_(metrics) {}

  // `type` is Normal or Warning; `object` the workload (apiVersion/kind set by the caller).
  void Record(const nlohmann::json& object, const std::string& type, const std::string& reason,
              const std::string& message);

 private:
  kube::RestClient client_;
  Metrics* metrics_;
  absl::Mutex mu_;
  std::set<std::string> sent_ ABSL_GUARDED_BY(mu_);
};

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_EVENTS_H_
