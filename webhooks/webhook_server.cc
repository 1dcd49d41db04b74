#include "webhooks/webhook_server.h"

#include <charconv>

#include "absl/strings/str_cat.h"
#include "kube/config.h"
#include "kube/rest_client.h"
#include "spdlog/spdlog.h"
#include "util/signals.h"

namespace minpriv::webhooks {

namespace {

absl::Status ParseListen(const std::string& listen, HttpsServerOptions& http) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: '", listen, "' has no port; write it like 0.0.0.0:8443"));
  }
  std::string host = listen.substr(0, colon);
  std::string port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: '", port, "' is not a port number (0-65535)"));
  }
  http.host = host;
  http.port = static_cast<uint16_t>(value);
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateWebhookOptions(WebhookOptions& o) {
  if (o.tls_cert.empty() || o.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key are required: the API server only calls webhooks over HTTPS");
  }
  if (!o.kubeconfig.empty() && !o.proposals.empty()) {
    return absl::InvalidArgumentError("give --kubeconfig or --proposals, not both");
  }
  return ParseListen(o.listen, o.http);
}

absl::StatusOr<std::unique_ptr<WebhookServer>> WebhookServer::Start(WebhookOptions options) {
  if (absl::Status s = ValidateWebhookOptions(options); !s.ok()) return s;
  std::unique_ptr<WebhookServer> w(new WebhookServer());
  w->options_ = std::move(options);
  std::string where;
  if (!w->options_.proposals.empty()) {
    auto dir = std::make_unique<ProposalDirSource>(w->options_.proposals);
    if (absl::Status s = dir->Load(); !s.ok()) return s;
    w->dir_source_ = dir.get();
    w->source_ = std::move(dir);
    where = w->options_.proposals;
  } else {
    absl::StatusOr<kube::Config> config =
        kube::LoadDefault(w->options_.kubeconfig, kube::EnvironmentMap());
    if (!config.ok()) return config.status();
    absl::StatusOr<kube::RestClient> client = kube::RestClient::Create(*config);
    if (!client.ok()) return client.status();
    absl::StatusOr<std::unique_ptr<ClusterSource>> cluster =
        ClusterSource::Start(std::move(*client));
    if (!cluster.ok()) return cluster.status();
    w->source_ = std::move(*cluster);
    where = config->source;
  }
  absl::StatusOr<std::unique_ptr<CertificateStore>> certs =
      CertificateStore::Create(w->options_.tls_cert, w->options_.tls_key);
  if (!certs.ok()) return certs.status();
  w->certs_ = std::move(*certs);
  w->handler_ =
      std::make_unique<AdmissionHandler>(*w->source_, w->options_.default_mode, w->metrics_);
  WebhookServer* self = w.get();
  absl::StatusOr<std::unique_ptr<HttpsServer>> http = HttpsServer::Start(
      w->options_.http, *w->certs_,
      [self](std::string_view method, std::string_view target, std::string&& body) {
        return self->Route(method, target, std::move(body));
      },
      w->metrics_);
  if (!http.ok()) return http.status();
  w->http_ = std::move(*http);
  if (w->dir_source_ != nullptr) w->reloader_ = std::thread([self] {
    std::string last_error;
    while (!self->stopping_.load()) {
      auto until = std::chrono::steady_clock::now() + self->options_.policy_reload_interval;
      while (!self->stopping_.load() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      absl::Status s = self->dir_source_->ReloadIfChanged();
      if (!s.ok() && std::string(s.message()) != last_error) {
        spdlog::warn("webhook: keeping the previous policies: {}", std::string(s.message()));
      }
      last_error = s.ok() ? "" : std::string(s.message());
    }
  });
  spdlog::info("webhook: serving {} approved workload(s) from {} on port {} (default mode {})",
               w->source_->Snapshot()->size(), where, w->port(),
               ModeName(w->options_.default_mode));
  return w;
}

WebhookServer::~WebhookServer() { Stop(); }

void WebhookServer::Stop() {
  if (stopping_.exchange(true)) return;
  if (http_) http_->Stop();
  if (reloader_.joinable()) reloader_.join();
  if (auto* cluster = dynamic_cast<ClusterSource*>(source_.get())) cluster->Stop();
}

HttpReply WebhookServer::Route(std::string_view method, std::string_view target,
                               std::string&& body) {
  std::string_view path = target.substr(0, target.find('?'));
  HttpReply r;
  r.content_type = "text/plain; charset=utf-8";
  bool admission = path == "/validate" || path == "/mutate";
  bool probe = path == "/healthz" || path == "/readyz" || path == "/metrics";
  if (!admission && !probe) {
    r.status = 404;
    r.body = "not found; serving /validate, /mutate, /healthz, /readyz, /metrics\n";
  } else if (admission && method != "POST") {
    r.status = 405;
    r.body = "POST an AdmissionReview\n";
  } else if (probe && method != "GET" && method != "HEAD") {
    r.status = 405;
    r.body = "GET only\n";
  } else if (admission) {
    return handler_->Handle(path == "/validate" ? Endpoint::kValidate : Endpoint::kMutate, body);
  } else if (path == "/healthz") {
    r.body = "ok\n";
  } else if (path == "/readyz") {
    bool ready = source_->Ready();
    r.status = ready ? 200 : 503;
    r.body = ready ? "ok\n"
             : dir_source_ != nullptr ? "policies not loaded yet\n"
                                      : "informers not synced yet\n";
  } else {
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.Render();
  }
  if (r.status >= 400) metrics_.RecordHttpError(r.status);
  return r;
}

absl::Status RunWebhookServer(const WebhookOptions& options) {
  util::ScopedStopSignals signals;
  absl::StatusOr<std::unique_ptr<WebhookServer>> server = WebhookServer::Start(options);
  if (!server.ok()) return server.status();
  while (!signals.stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  spdlog::info("webhook: stopping");
  (*server)->Stop();
  return absl::OkStatus();
}

}  // namespace minpriv::webhooks
