// `minpriv webhook`: the admission webhook assembled from its parts (policy source, TLS
// certificate store, admission handler, HTTPS server, metrics). Options → Validate → Run, so
// the cli/ subcommand only wires flags to RunWebhookServer.
#ifndef MINPRIV_WEBHOOKS_WEBHOOK_SERVER_H_
#define MINPRIV_WEBHOOKS_WEBHOOK_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "webhooks/admission_handler.h"
#include "webhooks/cluster_source.h"
#include "webhooks/https_server.h"
#include "webhooks/metrics.h"
#include "webhooks/policy.h"
#include "webhooks/proposal_dir_source.h"
#include "webhooks/tls_certificate.h"

namespace minpriv::webhooks {

struct WebhookOptions {
  std::string listen = "0.0.0.0:8443";  // ADDR:PORT ([v6addr]:PORT); port 0 picks one
  std::string tls_cert;
  std::string tls_key;
  // Cluster mode (approved RemediationProposals and the settings through informers): this
  // kubeconfig, or when neither it nor `proposals` is given, the default client
  // configuration ($KUBECONFIG, ~/.kube/config, in-cluster), as the controller does.
  std::string kubeconfig;
  std::string proposals;  // a proposal directory, or a directory of them
  Mode default_mode = Mode::kAudit;
  HttpsServerOptions http;  // host and port come from `listen`
  std::chrono::milliseconds policy_reload_interval{2000};
};

// InvalidArgument with a hint for a missing or contradictory flag.
absl::Status ValidateWebhookOptions(WebhookOptions& options);

class WebhookServer {
 public:
  // Loads the policies (a proposal directory), or starts the informers (cluster mode: /readyz
  // answers 503 until they have synced), loads the certificate, binds, serves. Errors: the
  // flags' and the kubeconfig's (InvalidArgument), a proposal directory's.
  static absl::StatusOr<std::unique_ptr<WebhookServer>> Start(WebhookOptions options);
  ~WebhookServer();
  uint16_t port() const { return http_->port(); }
  CertificateStore& certificates() { return *certs_; }
  void Stop();

 private:
  WebhookServer() = default;
  HttpReply Route(std::string_view method, std::string_view target, std::string&& body);

  WebhookOptions options_;
  Metrics metrics_;
  std::unique_ptr<ApprovedPolicySource> source_;
  ProposalDirSource* dir_source_ = nullptr;  // source_ with --proposals
  std::unique_ptr<CertificateStore> certs_;
  std::unique_ptr<AdmissionHandler> handler_;
  std::unique_ptr<HttpsServer> http_;
  std::thread reloader_;
  std::atomic<bool> stopping_{false};
};

// Serves until SIGINT or SIGTERM.
absl::Status RunWebhookServer(const WebhookOptions& options);

}  // namespace minpriv::webhooks

#endif  // MINPRIV_WEBHOOKS_WEBHOOK_SERVER_H_
