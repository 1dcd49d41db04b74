// The forges' HTTP adapter: the only gitops code that sees cpprestsdk. JSON requests to a
// forge's REST API with its authentication headers, bounded waiting on rate limits (403 or
// 429 with Retry-After, or X-RateLimit-Remaining: 0 with X-RateLimit-Reset), response
// headers kept for pagination, and errors carrying the forge's own message. The token is
// only ever in a request header; it is redacted from every message.
#ifndef MINPRIV_GITOPS_FORGE_HTTP_H_
#define MINPRIV_GITOPS_FORGE_HTTP_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace web::http::client {
class http_client;
}  // namespace web::http::client

namespace minpriv::gitops {

struct RateLimitPolicy {
  int max_retries = 3;                       // rate-limited answers waited out per request
  absl::Duration max_wait = absl::Minutes(2);  // a longer wait asked for is an error instead
  absl::Duration default_wait = absl::Minutes(1);  // when the forge names no time
};

struct ForgeResponse {
  int code = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class ForgeHttp {
 public:
  // `api_url`: https://api.github.com, https://gitlab.example/api/v4. `headers`: sent with
  // every request (authentication, Accept, API version). `secret`: redacted from messages.
  // `ca_file`: PEM CA certificates trusted for HTTPS instead of the system's (a forge with a
  // private CA); empty: the system's.
  ForgeHttp(std::string api_url, std::vector<std::pair<std::string, std::string>> headers,
            std::string secret, RateLimitPolicy policy = {},
            absl::Duration timeout = absl::Seconds(30), std::string ca_file = "");
  ~ForgeHttp();

  // METHOD api_url + path_and_query, with a JSON body for writes. Any HTTP status comes
  // back (after rate limits were waited out); errors: transport failures (Unavailable,
  // DeadlineExceeded) and a rate limit beyond the policy (ResourceExhausted, saying when).
  absl::StatusOr<ForgeResponse> Send(const std::string& method, const std::string& path_and_query,
                                     const std::string& json_body = "");
  // A full URL of the same API (a Link header's next page) → its path and query relative
  // to the API; an error for another host.
  absl::StatusOr<std::string> RelativeToApi(const std::string& url) const;

  const std::string& api_url() const { return api_url_; }
  int requests() const { return requests_; }  // requests sent, retries included

 private:
  std::string api_url_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string secret_;
  std::string ca_file_;
  RateLimitPolicy policy_;
  std::unique_ptr<web::http::client::http_client> client_;
  int requests_ = 0;
};

// The forge's error for a non-2xx answer: "FORGE: WHAT: HTTP CODE: <its message>" with the
// code mapped (401 Unauthenticated, 403 PermissionDenied, 404 NotFound, 409/422
// FailedPrecondition, 5xx Unavailable).
absl::Status ForgeError(const std::string& what, const ForgeResponse& response);

// A transport error that is about the server's certificate, with what to do about it
// ("give its CA with --ca-file" or "is it signed by the CA in FILE?"); other errors as they
// are. Shared by the REST client and git.
std::string WithCertificateHint(const std::string& message, const std::string& ca_file);

// RFC 3986 percent-encoding of everything but unreserved characters (a path segment or a
// query value: "group/sub/project" → "group%2Fsub%2Fproject").
std::string PercentEncode(const std::string& text);

// The rel="next" URL of an RFC 8288 Link header; empty when there is none.
std::string NextLink(const std::string& link_header);

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_FORGE_HTTP_H_
