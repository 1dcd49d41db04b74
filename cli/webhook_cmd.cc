// `minpriv webhook`: the admission webhook. Options → Validate → Run (webhooks/).
#include "cli/webhook_cmd.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "util/exit_codes.h"

namespace minpriv::cli {
namespace {

CommandText WebhookText() {
  CommandText t;
  t.name = "minpriv webhook";
  t.synopsis =
      "minpriv webhook --listen ADDR:PORT --tls-cert FILE --tls-key FILE\n"
      "                       [--kubeconfig FILE | --proposals DIR]\n"
      "                       [--default-mode off|audit|enforce]";
  t.description =
      "Serves admission.k8s.io/v1 AdmissionReviews over HTTPS (TLS 1.2+) at /validate and\n"
      "/mutate, plus /healthz, /readyz and /metrics. Workloads with an approved proposal may not\n"
      "widen it: audit mode warns, enforce mode denies and /mutate adds missing approved fields.";
  t.flag_column = 23;
  t.rest = CommandText::Rest::kNothing;
  t.error_hint = "; see 'minpriv webhook --help'";
  return t;
}

}  // namespace

std::unique_ptr<CommandLine> WebhookCommandLine(webhooks::WebhookOptions* o) {
  auto cl = std::make_unique<CommandLine>(WebhookText());
  cl->AddValue("--listen", &o->listen, "ADDR:PORT", "address to serve on (default 0.0.0.0:8443)");
  cl->AddValue("--tls-cert", &o->tls_cert, "FILE",
               "PEM certificate chain, reloaded when the file changes");
  cl->AddValue("--tls-key", &o->tls_key, "FILE", "PEM private key, reloaded with the certificate");
  cl->AddValue("--proposals", &o->proposals, "DIR",
               "what `minpriv propose --out-dir` wrote, or a directory of those;\n"
               "DIR/webhook-settings.yaml may set per-namespace/workload modes");
  cl->AddValue("--kubeconfig", &o->kubeconfig, "FILE",
               "cluster mode: approved RemediationProposals and the settings'\n"
               "modes from the cluster (default without --proposals: $KUBECONFIG,\n"
               "~/.kube/config, else in-cluster)");
  cl->AddParsed("--default-mode", "MODE", "off, audit (default) or enforce",
                [o](const std::string& value) -> absl::Status {
                  absl::StatusOr<webhooks::Mode> m = webhooks::ParseMode(value);
                  if (!m.ok()) {
                    return absl::InvalidArgumentError(
                        absl::StrCat("--default-mode: ", m.status().message()));
                  }
                  o->default_mode = *m;
                  return absl::OkStatus();
                });
  return cl;
}

absl::StatusOr<webhooks::WebhookOptions> ParseWebhookFlags(int argc, char** argv, bool* help) {
  webhooks::WebhookOptions o;
  auto cl = WebhookCommandLine(&o);
  if (absl::Status s = cl->Parse(argc, argv); !s.ok()) return s;
  *help = cl->help_requested();
  return o;
}

std::string WebhookHelp() {
  webhooks::WebhookOptions unused;
  return WebhookCommandLine(&unused)->Help();
}

int RunWebhook(int argc, char** argv) {
  bool help = false;
  absl::StatusOr<webhooks::WebhookOptions> options = ParseWebhookFlags(argc, argv, &help);
  if (options.ok() && help) {
    std::fputs(WebhookHelp().c_str(), stdout);
    return util::kExitOk;
  }
  absl::Status s = options.ok() ? webhooks::ValidateWebhookOptions(*options) : options.status();
  if (!s.ok()) {
    std::fprintf(stderr, "minpriv webhook: %s\n\n%s", std::string(s.message()).c_str(),
                 WebhookHelp().c_str());
    return util::kExitUsage;
  }
  s = webhooks::RunWebhookServer(*options);
  if (!s.ok()) {
    std::fprintf(stderr, "minpriv webhook: %s\n", std::string(s.message()).c_str());
    // Unreadable or invalid certificates and proposal directories are the user's to fix.
    return util::ExitCodeFor(s, util::PermissionDenied::kUserInput);
  }
  return util::kExitOk;
}

}  // namespace minpriv::cli
