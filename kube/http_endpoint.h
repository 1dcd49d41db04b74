// The HTTP endpoint of minpriv's cluster processes (the controller, the node agent), on
// cpprestsdk's http_listener: GET /metrics (Prometheus text), /healthz (200 while the process
// runs) and /readyz (200 once the caches synced).
#ifndef MINPRIV_KUBE_HTTP_ENDPOINT_H_
#define MINPRIV_KUBE_HTTP_ENDPOINT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace minpriv::kube {

class HttpEndpoint {
 public:
  // `addr` is "HOST:PORT" or ":PORT" (all addresses).
  static absl::StatusOr<std::unique_ptr<HttpEndpoint>> Start(
      const std::string& addr, std::function<std::string()> metrics,
      std::function<bool()> ready);
  ~HttpEndpoint();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace minpriv::kube

#endif  // MINPRIV_KUBE_HTTP_ENDPOINT_H_
