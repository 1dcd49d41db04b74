// A small HTTPS/1.1 server on Boost.Beast: TLS from a CertificateStore (per connection, so
// rotations apply to new handshakes), keep-alive, TCP_NODELAY, requests served in parallel on
// a pool of threads, a body limit (413), a slow-client timeout (408), an idle timeout, and
// 400 for what does not parse as HTTP. Requests are answered by a synchronous Router called
// on the I/O threads, so a route must be quick and must not block.
#ifndef MINPRIV_WEBHOOKS_HTTPS_SERVER_H_
#define MINPRIV_WEBHOOKS_HTTPS_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "webhooks/admission_handler.h"
#include "webhooks/metrics.h"
#include "webhooks/tls_certificate.h"

namespace minpriv::webhooks {

struct HttpsServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 8443;  // 0: any free port (tests)
  int threads = 2;
  size_t body_limit = 3 * 1024 * 1024;  // the API server's own request limit
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds request_timeout{10000};  // a started request must arrive within
  std::chrono::milliseconds idle_timeout{90000};     // a keep-alive connection with nothing
  std::chrono::milliseconds write_timeout{10000};
};

using Router =
    std::function<HttpReply(std::string_view method, std::string_view target, std::string&& body)>;

class HttpsServer {
 public:
  // Binds and listens (so port() is known when this returns) and starts the I/O threads.
  static absl::StatusOr<std::unique_ptr<HttpsServer>> Start(const HttpsServerOptions& options,
                                                            CertificateStore& certificates,
                                                            Router router, Metrics& metrics);
  ~HttpsServer();  // Stop()
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  uint16_t port() const;
  // Stops accepting, closes every connection and joins the threads. Idempotent.
  void Stop();
  // Blocks until Stop() is called from another thread (or a signal handler's thread).
  void Wait();

  struct Impl;

 private:
  explicit HttpsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace minpriv::webhooks

#endif  // MINPRIV_WEBHOOKS_HTTPS_SERVER_H_
