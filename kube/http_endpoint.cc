#include "kube/http_endpoint.h"

#include <cpprest/http_listener.h>

#include "absl/strings/str_cat.h"

namespace minpriv::kube {

namespace http = web::http;

struct HttpEndpoint::Impl {
  std::unique_ptr<http::experimental::listener::http_listener> listener;
  std::function<std::string()> metrics;
  std::function<bool()> ready;
};

absl::StatusOr<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(
    const std::string& addr, std::function<std::string()> metrics, std::function<bool()> ready) {
  const size_t colon = addr.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("--metrics-addr '", addr, "': want HOST:PORT"));
  }
  std::string host = addr.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  auto endpoint = std::unique_ptr<HttpEndpoint>(new HttpEndpoint());
  endpoint->impl_ = std::make_unique<Impl>();
  Impl* impl = endpoint->impl_.get();
  impl->metrics = std::move(metrics);
  impl->ready = std::move(ready);
  try {
    impl->listener = std::make_unique<http::experimental::listener::http_listener>(
        absl::StrCat("http://", host, ":", addr.substr(colon + 1)));
    impl->listener->support(http::methods::GET, [impl](http::http_request request) {
      const std::string path = request.relative_uri().path();
      http::http_response response(http::status_codes::OK);
      if (path == "/metrics") {
        response.set_body(impl->metrics(), "text/plain; version=0.0.4; charset=utf-8");
      } else if (path == "/healthz") {
        response.set_body("ok\n", "text/plain");
      } else if (path == "/readyz") {
        bool ok = impl->ready();
        response.set_status_code(ok ? http::status_codes::OK
                                    : http::status_codes::ServiceUnavailable);
        response.set_body(ok ? "ok\n" : "caches not synced\n", "text/plain");
      } else {
        response.set_status_code(http::status_codes::NotFound);
        response.set_body("not found\n", "text/plain");
      }
      request.reply(response).then([](pplx::task<void> t) {
        try {
          t.get();
        } catch (...) {
        }
      });
    });
    impl->listener->open().wait();
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("--metrics-addr ", addr, ": ", e.what()));
  }
  return endpoint;
}

HttpEndpoint::~HttpEndpoint() {
  if (impl_ && impl_->listener) {
    try {
      impl_->listener->close().wait();
    } catch (...) {
    }
  }
}

}  // namespace minpriv::kube
