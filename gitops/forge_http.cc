#include "gitops/forge_http.h"

#include <exception>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cpprest/http_client.h"
#include "gitops/askpass.h"
#include "nlohmann/json.hpp"
#include "openssl/ssl.h"

namespace minpriv::gitops {
namespace {

namespace http = web::http;
namespace client = web::http::client;

http::method MethodFor(const std::string& name) {
  if (name == "GET") return http::methods::GET;
  if (name == "POST") return http::methods::POST;
  if (name == "PUT") return http::methods::PUT;
  if (name == "PATCH") return http::methods::PATCH;
  if (name == "DELETE") return http::methods::DEL;
  return name;
}

// How long a rate-limited answer asks to wait; nullopt when the answer is not a rate limit.
std::optional<absl::Duration> RateLimitWait(const ForgeResponse& r, const RateLimitPolicy& p) {
  if (r.code != 429 && r.code != 403) return std::nullopt;
  int64_t seconds = 0;
  if (std::string ra = r.Header("retry-after"); !ra.empty() && absl::SimpleAtoi(ra, &seconds)) {
    return absl::Seconds(std::max<int64_t>(seconds, 0));
  }
  std::string remaining = r.Header("x-ratelimit-remaining");
  if (remaining.empty()) remaining = r.Header("ratelimit-remaining");
  std::string reset = r.Header("x-ratelimit-reset");
  if (reset.empty()) reset = r.Header("ratelimit-reset");
  if (remaining == "0" && absl::SimpleAtoi(reset, &seconds)) {
    absl::Duration d = absl::FromUnixSeconds(seconds) - absl::Now() + absl::Seconds(1);
    return std::max(d, absl::ZeroDuration());
  }
  if (r.code == 429) return p.default_wait;
  // GitHub's secondary limit: 403 whose message says so, without headers.
  if (absl::StrContains(absl::AsciiStrToLower(r.body), "rate limit")) return p.default_wait;
  return std::nullopt;
}

}  // namespace

ForgeHttp::ForgeHttp(std::string api_url, std::vector<std::pair<std::string, std::string>> headers,
                     std::string secret, RateLimitPolicy policy, absl::Duration timeout,
                     std::string ca_file)
    : api_url_(std::move(api_url)),
      headers_(std::move(headers)),
      secret_(std::move(secret)),
      ca_file_(std::move(ca_file)),
      policy_(policy) {
  client::http_client_config cfg;
  cfg.set_timeout(std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
  if (!ca_file_.empty()) {
    // Only these CAs, as git's http.sslCAInfo: a fresh store replaces the system's paths
    // cpprestsdk loaded. A file without certificates throws, which Send reports.
    cfg.set_ssl_context_callback([ca = ca_file_](boost::asio::ssl::context& ctx) {
      SSL_CTX_set_cert_store(ctx.native_handle(), X509_STORE_new());
      ctx.load_verify_file(ca);
    });
  }
  try {
    client_ = std::make_unique<client::http_client>(utility::conversions::to_string_t(api_url_), cfg);
  } catch (const std::exception&) {
    client_.reset();  // Send reports the bad URL
  }
}

ForgeHttp::~ForgeHttp() = default;

absl::StatusOr<std::string> ForgeHttp::RelativeToApi(const std::string& url) const {
  if (!absl::StartsWith(url, api_url_)) {
    return absl::InternalError(absl::StrCat("next page '", url, "' is outside ", api_url_));
  }
  return url.substr(api_url_.size());
}

absl::StatusOr<ForgeResponse> ForgeHttp::Send(const std::string& method,
                                              const std::string& path_and_query,
                                              const std::string& json_body) {
  const std::string what =
      absl::StrCat(method, " ", path_and_query.substr(0, path_and_query.find('?')));
  if (!client_) return absl::InvalidArgumentError(absl::StrCat("--api-url: '", api_url_, "' is not a URL"));
  for (int attempt = 0;; ++attempt) {
    http::http_request req(MethodFor(method));
    req.set_request_uri(utility::conversions::to_string_t(path_and_query));
    req.headers().add("User-Agent", "minpriv");
    for (const auto& [name, value] : headers_) req.headers().add(name, value);
    if (method != "GET" && method != "DELETE") req.set_body(json_body, "application/json");
    ForgeResponse out;
    ++requests_;
    try {
      http::http_response response = client_->request(req).get();
      out.code = response.status_code();
      for (const auto& [name, value] : response.headers()) {
        out.headers[absl::AsciiStrToLower(name)] = value;
      }
      out.body = response.extract_utf8string(true).get();
    } catch (const std::exception& e) {
      std::string message = Redact(e.what(), secret_);
      if (absl::StrContains(message, "timed out")) {
        return absl::DeadlineExceededError(absl::StrCat(api_url_, ": ", what, ": ", message));
      }
      std::string hinted = WithCertificateHint(message, ca_file_);
      if (hinted != message) {
        return absl::FailedPreconditionError(absl::StrCat(api_url_, ": ", what, ": ", hinted));
      }
      return absl::UnavailableError(absl::StrCat(api_url_, ": ", what, ": ", message));
    }
    std::optional<absl::Duration> wait = RateLimitWait(out, policy_);
    if (!wait) return out;
    if (attempt >= policy_.max_retries || *wait > policy_.max_wait) {
      return absl::ResourceExhaustedError(absl::StrCat(
          api_url_, ": ", what, ": rate limited (HTTP ", out.code, "); the forge asks to wait ",
          absl::FormatDuration(absl::Ceil(*wait, absl::Seconds(1))), ", more than minpriv waits (",
          attempt, " of ", policy_.max_retries, " retries, at most ",
          absl::FormatDuration(policy_.max_wait), " each); run again later"));
    }
    absl::SleepFor(*wait);
  }
}

absl::Status ForgeError(const std::string& what, const ForgeResponse& r) {
  std::string message;
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object()) {
    for (const char* key : {"message", "error", "error_description"}) {
      if (j.contains(key)) {
        message = j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
        break;
      }
    }
    if (j.contains("errors") && j["errors"].is_array()) {
      for (const auto& e : j["errors"]) {
        if (e.is_object() && e.contains("message") && e["message"].is_string()) {
          absl::StrAppend(&message, "; ", e["message"].get<std::string>());
        } else if (e.is_object()) {
          absl::StrAppend(&message, "; ", e.dump());
        } else if (e.is_string()) {
          absl::StrAppend(&message, "; ", e.get<std::string>());
        }
      }
    }
  }
  if (message.empty()) message = r.body.substr(0, 200);
  std::string text = absl::StrCat(what, ": HTTP ", r.code, ": ", message);
  switch (r.code) {
    case 401: return absl::UnauthenticatedError(absl::StrCat(text, " (the token was refused)"));
    case 403: return absl::PermissionDeniedError(text);
    case 404: return absl::NotFoundError(text);
    case 409:
    case 422: return absl::FailedPreconditionError(text);
    default:
      if (r.code >= 500) return absl::UnavailableError(text);
      return absl::UnknownError(text);
  }
}

std::string WithCertificateHint(const std::string& message, const std::string& ca_file) {
  const std::string lower = absl::AsciiStrToLower(message);
  const bool about_certificate =
      absl::StrContains(lower, "certificate verify failed") ||
      absl::StrContains(lower, "certificate problem") ||
      absl::StrContains(lower, "certificate verification failed") ||
      absl::StrContains(lower, "ssl handshake") || absl::StrContains(lower, "load_verify_file") ||
      absl::StrContains(lower, "no certificate or crl found");
  if (!about_certificate || absl::StrContains(message, "(the forge's TLS certificate")) {
    return message;
  }
  if (ca_file.empty()) {
    return absl::StrCat(message, " (the forge's TLS certificate is not trusted; if a private CA "
                                 "signed it, give that CA's certificate with --ca-file FILE)");
  }
  return absl::StrCat(message, " (the forge's TLS certificate is not trusted with --ca-file ",
                      ca_file, ": is it the CA that signed the forge's certificate?)");
}

std::string PercentEncode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string NextLink(const std::string& link_header) {
  for (absl::string_view part : absl::StrSplit(link_header, ',')) {
    part = absl::StripAsciiWhitespace(part);
    size_t open = part.find('<');
    size_t close = part.find('>');
    if (open == absl::string_view::npos || close == absl::string_view::npos || close < open) continue;
    absl::string_view params = part.substr(close + 1);
    if (absl::StrContains(params, "rel=\"next\"") || absl::StrContains(params, "rel=next")) {
      return std::string(part.substr(open + 1, close - open - 1));
    }
  }
  return "";
}

}  // namespace minpriv::gitops
