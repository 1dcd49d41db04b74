// The HTTP adapter: the only code that sees cpprestsdk. It adds authentication (bearer token
// re-read on rotation and retried once after a 401), TLS (CA, client certificate and key from
// memory), per-request timeouts, and turns cpprestsdk's exceptions into absl::Status.
#ifndef MINPRIV_KUBE_HTTP_TRANSPORT_H_
#define MINPRIV_KUBE_HTTP_TRANSPORT_H_

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/config.h"
#include "kube/token_source.h"
#include "kube/watch.h"

namespace web::http::client {
class http_client;
}  // namespace web::http::client

namespace minpriv::kube {

struct HttpRequest {
  std::string method = "GET";
  std::string path_and_query;  // "/api/v1/namespaces/x/pods?limit=10"
  std::string body;
  std::string content_type;  // for a body: "application/json", "application/merge-patch+json"
  absl::Duration timeout = absl::Seconds(30);
};

struct HttpResponse {
  int code = 0;
  std::string body;
};

class HttpTransport {
 public:
  // Checks the TLS material (a bad PEM is InvalidArgument naming the field, not its content).
  static absl::StatusOr<std::unique_ptr<HttpTransport>> Create(const Config& config);
  ~HttpTransport();

  // Any HTTP status comes back as a response; only transport failures (connection refused,
  // TLS failure, timeout) are errors (Unavailable / DeadlineExceeded).
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request);

  // A GET whose body is read as it arrives. A non-2xx answer is returned as the Status its
  // body describes (see status.h). `timeout` bounds each wait for bytes.
  absl::StatusOr<std::unique_ptr<ByteSource>> OpenStream(const std::string& path_and_query,
                                                         absl::Duration timeout);

  const Config& config() const { return config_; }

 private:
  explicit HttpTransport(Config config);
  std::shared_ptr<web::http::client::http_client> ClientFor(absl::Duration timeout);

  const Config config_;
  TokenSource tokens_;
  absl::Mutex mu_;
  std::map<int64_t, std::shared_ptr<web::http::client::http_client>> clients_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace minpriv::kube

#endif  // MINPRIV_KUBE_HTTP_TRANSPORT_H_
