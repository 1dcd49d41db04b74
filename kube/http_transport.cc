#include "kube/http_transport.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cpprest/http_client.h"
#include "kube/status.h"

namespace minpriv::kube {
namespace {

namespace http = web::http;
namespace client = web::http::client;

// Fills an SSL context from the configuration. Throws (boost::system::system_error) on bad
// PEM; callers catch.
void ConfigureTls(const Config& config, boost::asio::ssl::context& ctx) {
  if (!config.ca_pem.empty()) {
    // Trust only the given CA, as kubectl does: replace the default store cpprestsdk loaded.
    SSL_CTX_set_cert_store(ctx.native_handle(), X509_STORE_new());
    ctx.add_certificate_authority(boost::asio::buffer(config.ca_pem));
  }
  if (!config.client_cert_pem.empty()) {
    ctx.use_certificate_chain(boost::asio::buffer(config.client_cert_pem));
    ctx.use_private_key(boost::asio::buffer(config.client_key_pem),
                        boost::asio::ssl::context::pem);
  }
}

http::method MethodFor(const std::string& name) {
  if (name == "GET") return http::methods::GET;
  if (name == "POST") return http::methods::POST;
  if (name == "PUT") return http::methods::PUT;
  if (name == "DELETE") return http::methods::DEL;
  if (name == "PATCH") return http::methods::PATCH;
  return name;
}

std::string PathOnly(const std::string& path_and_query) {
  return path_and_query.substr(0, path_and_query.find('?'));
}

// A response body read as it arrives.
class ResponseByteSource : public ByteSource {
 public:
  ResponseByteSource(http::http_response response, pplx::cancellation_token_source cancel,
                     std::string what)
      : response_(std::move(response)),
        buffer_(response_.body().streambuf()),
        cancel_(std::move(cancel)),
        what_(std::move(what)) {}
  ~ResponseByteSource() override { Cancel(); }

  absl::StatusOr<std::string> Read() override {
    if (cancelled_.load()) return absl::CancelledError(absl::StrCat(what_, ": cancelled"));
    if (ended_) return std::string();
    try {
      std::string out;
      size_t available = buffer_.in_avail();
      if (available == 0) {
        // Wait for one byte (or the end), then take whatever else has arrived with it.
        auto c = buffer_.bumpc().get();
        if (c == concurrency::streams::streambuf<uint8_t>::traits::eof()) {
          ended_ = true;
          return std::string();
        }
        out.push_back(static_cast<char>(c));
        available = buffer_.in_avail();
      }
      if (available > 0) {
        size_t chunk = std::min<size_t>(available, 1 << 16);
        size_t old = out.size();
        out.resize(old + chunk);
        size_t got = buffer_.getn(reinterpret_cast<uint8_t*>(out.data() + old), chunk).get();
        out.resize(old + got);
      }
      return out;
    } catch (const std::exception& e) {
      if (cancelled_.load()) return absl::CancelledError(absl::StrCat(what_, ": cancelled"));
      return absl::UnavailableError(absl::StrCat(what_, ": stream broke: ", e.what()));
    }
  }

  void Cancel() override {
    if (!cancelled_.exchange(true)) cancel_.cancel();
  }

 private:
  http::http_response response_;
  concurrency::streams::streambuf<uint8_t> buffer_;
  pplx::cancellation_token_source cancel_;
  std::string what_;
  std::atomic<bool> cancelled_{false};
  bool ended_ = false;
};

}  // namespace

HttpTransport::HttpTransport(Config config)
    : config_(std::move(config)), tokens_(config_.token, config_.token_file) {}

HttpTransport::~HttpTransport() = default;

absl::StatusOr<std::unique_ptr<HttpTransport>> HttpTransport::Create(const Config& config) {
  if (config.server.empty()) return absl::InvalidArgumentError("kube config: no server");
  try {
    web::uri uri(utility::conversions::to_string_t(config.server));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("kube config: server \"", config.server, "\" is not a URL"));
  }
  if (!config.ca_pem.empty() || !config.client_cert_pem.empty()) {
    boost::asio::ssl::context probe(boost::asio::ssl::context::tls_client);
    try {
      ConfigureTls(config, probe);
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat(
          "kube config (", config.source,
          "): the CA, client certificate or client key is not valid PEM or they do not match"));
    }
  }
  return std::unique_ptr<HttpTransport>(new HttpTransport(config));
}

std::shared_ptr<client::http_client> HttpTransport::ClientFor(absl::Duration timeout) {
  int64_t ms = absl::ToInt64Milliseconds(timeout);
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(ms);
  if (it != clients_.end()) return it->second;
  client::http_client_config cfg;
  cfg.set_timeout(std::chrono::milliseconds(ms));
  cfg.set_validate_certificates(!config_.insecure_skip_tls_verify);
  Config tls = config_;
  cfg.set_ssl_context_callback([tls](boost::asio::ssl::context& ctx) { ConfigureTls(tls, ctx); });
  auto created = std::make_shared<client::http_client>(
      utility::conversions::to_string_t(config_.server), cfg);
  clients_[ms] = created;
  return created;
}

absl::StatusOr<HttpResponse> HttpTransport::Send(const HttpRequest& request) {
  const std::string what = absl::StrCat(request.method, " ", PathOnly(request.path_and_query));
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<std::string> token = tokens_.Token();
    if (!token.ok()) return token.status();
    http::http_request req(MethodFor(request.method));
    req.set_request_uri(utility::conversions::to_string_t(request.path_and_query));
    req.headers().add("Accept", "application/json");
    req.headers().add("User-Agent", "minpriv");
    if (!token->empty()) req.headers().add("Authorization", absl::StrCat("Bearer ", *token));
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      req.set_body(request.body, request.content_type.empty() ? "application/json"
                                                               : request.content_type);
    }
    HttpResponse out;
    try {
      http::http_response response = ClientFor(request.timeout)->request(req).get();
      out.code = response.status_code();
      out.body = response.extract_utf8string(true).get();
    } catch (const web::http::http_exception& e) {
      std::string message = e.what();
      if (message.find("timed out") != std::string::npos || e.error_code().value() == ETIMEDOUT) {
        return absl::DeadlineExceededError(absl::StrCat(what, ": ", message));
      }
      return absl::UnavailableError(absl::StrCat(what, ": ", message));
    } catch (const std::exception& e) {
      return absl::UnavailableError(absl::StrCat(what, ": ", e.what()));
    }
    if (out.code == 401 && tokens_.from_file() && attempt == 0) {
      tokens_.Invalidate();  // the token may have rotated under us: re-read it once
      continue;
    }
    return out;
  }
}

absl::StatusOr<std::unique_ptr<ByteSource>> HttpTransport::OpenStream(
    const std::string& path_and_query, absl::Duration timeout) {
  const std::string what = absl::StrCat("WATCH ", PathOnly(path_and_query));
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<std::string> token = tokens_.Token();
    if (!token.ok()) return token.status();
    http::http_request req(http::methods::GET);
    req.set_request_uri(utility::conversions::to_string_t(path_and_query));
    req.headers().add("Accept", "application/json");
    req.headers().add("User-Agent", "minpriv");
    if (!token->empty()) req.headers().add("Authorization", absl::StrCat("Bearer ", *token));
    pplx::cancellation_token_source cancel;
    try {
      http::http_response response =
          ClientFor(timeout)->request(req, cancel.get_token()).get();
      int code = response.status_code();
      if (code == 401 && tokens_.from_file() && attempt == 0) {
        tokens_.Invalidate();
        continue;
      }
      if (code < 200 || code >= 300) {
        std::string body = response.extract_utf8string(true).get();
        return StatusFromResponse(code, body, what);
      }
      return std::unique_ptr<ByteSource>(
          new ResponseByteSource(std::move(response), std::move(cancel), what));
    } catch (const std::exception& e) {
      return absl::UnavailableError(absl::StrCat(what, ": ", e.what()));
    }
  }
}

}  // namespace minpriv::kube
