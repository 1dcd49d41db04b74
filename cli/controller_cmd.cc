// `minpriv controller`: the cluster controller (controller/controller.h). Runs until SIGTERM
// or SIGINT; exit kExitOk after a clean stop, kExitUsage for bad flags, kExitFailure when it
// cannot run or lost the leader lease (so that the pod restarts clean).
#include "cli/controller_cmd.h"

#include <csignal>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/pull_request_delivery.h"
#include "gitops/cluster_delivery.h"
#include "kube/config.h"
#include "spdlog/spdlog.h"
#include "util/exit_codes.h"

namespace minpriv::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

CommandText ControllerText() {
  CommandText t;
  t.name = "minpriv controller";
  t.synopsis =
      "minpriv controller [--kubeconfig FILE] [--namespace NS] [--quiet-period DUR]\n"
      "                          [--min-window DUR] [--max-window DUR] [--shadow-period DUR]\n"
      "                          [--delivery Apply|PullRequest]\n"
      "                          [--leader-election-namespace NS] [--metrics-addr ADDR]\n"
      "                          [--identity ID] [--git-repo URL --git-token-secret NS/NAME[/KEY]\n"
      "                          [--git-base BRANCH] [--git-forge github|gitlab] [--git-api-url URL]\n"
      "                          [--git-project PATH] [--git-work-dir DIR] [--git-ca-file FILE]\n"
      "                          [--pr-recheck DUR]]";
  t.description =
      "Merges the partial WorkloadProfiles the node agent writes into one profile per workload,\n"
      "proposes a RemediationProposal once learning converged, and applies what an operator\n"
      "approves (kubectl patch rp NAME --type merge -p '{\"spec\":{\"decision\":\"Approved\"}}').\n"
      "Without --kubeconfig: $KUBECONFIG, ~/.kube/config, then the in-cluster configuration.";
  t.flag_column = 34;
  t.rest = CommandText::Rest::kNothing;
  t.error_hint = "; see 'minpriv controller --help'";
  return t;
}

}  // namespace

std::unique_ptr<CommandLine> ControllerCommandLine(ControllerFlags* f) {
  auto cl = std::make_unique<CommandLine>(ControllerText());
  controller::ControllerOptions& o = f->options;
  cl->AddValue("--kubeconfig", &o.kubeconfig, "FILE", "kubeconfig to use (its current context)");
  cl->AddValue("--namespace", &o.ns, "NS", "watch one namespace (default: all)");
  cl->AddDuration("--quiet-period", &o.windows.quiet_period, nullptr,
                  "learning completes after no new behaviour for this long (default 10m)");
  cl->AddDuration("--min-window", &o.windows.min_window, nullptr,
                  "and not before this long after learning started (default 1h)");
  cl->AddDuration("--max-window", &o.windows.max_window, nullptr,
                  "learning completes after this long whatever else (default 168h)");
  cl->AddDuration("--shadow-period", &o.shadow_period, nullptr,
                  "a proposal is proven on live traffic after no would-be break for this long "
                  "(default 24h)");
  cl->AddParsed("--delivery", "Apply|PullRequest",
                "delivery of approved proposals without spec.delivery (default Apply)",
                [f](const std::string& v) {
                  if (v != "Apply" && v != "PullRequest") {
                    return absl::InvalidArgumentError(absl::StrCat(
                        "--delivery: '", v, "' is not one of Apply, PullRequest"));
                  }
                  f->options.delivery =
                      v == "Apply" ? crd::Delivery::kApply : crd::Delivery::kPullRequest;
                  return absl::OkStatus();
                });
  cl->AddValue("--leader-election-namespace", &o.lease_namespace, "NS",
               "elect a leader on Lease minpriv-controller in NS (default: no election)");
  cl->AddDuration("--lease-duration", &o.lease_duration, nullptr,
                  "the Lease's duration: a standby takes over within it (default 15s)");
  cl->AddValue("--metrics-addr", &o.metrics_addr, "ADDR",
               "serve /metrics, /healthz, /readyz on HOST:PORT or :PORT");
  cl->AddValue("--identity", &o.identity, "ID", "this replica in the Lease (default HOST-PID)");
  cl->AddParsed("--workers", "N", "reconcile workers (default 4)", [f](const std::string& v) {
    int n = 0;
    if (!absl::SimpleAtoi(v, &n) || n < 1 || n > 64) {
      return absl::InvalidArgumentError(
          absl::StrCat("--workers: '", v, "' is not a number from 1 to 64"));
    }
    f->options.workers = n;
    return absl::OkStatus();
  });
  GitFlags& g = f->git;
  cl->AddValue("--git-repo", &g.repo, "URL",
               "PullRequest delivery: the repository holding the manifests (https://)");
  cl->AddValue("--git-base", &g.base, "BRANCH", "the branch pull requests target (default main)");
  cl->AddValue("--git-forge", &g.forge, "KIND", "github or gitlab (default: from the URL's host)")
      ->check(CLI::IsMember({"github", "gitlab"}));
  cl->AddValue("--git-api-url", &g.api_url, "URL",
               "the forge's API (default https://api.github.com, https://gitlab.com/api/v4)");
  cl->AddValue("--git-project", &g.project, "PATH",
               "OWNER/REPO or GROUP/.../PROJECT when the URL does not say");
  cl->AddValue("--git-token-secret", &g.token_secret, "NS/NAME[/KEY]",
               "the Secret (key, default token) holding the forge token, read at each delivery");
  cl->AddValue("--git-work-dir", &g.work_dir, "DIR",
               "keep the repository's clones here (default: a private temporary directory)");
  cl->AddValue("--git-ca-file", &g.ca_file, "FILE",
               "CA certificates (PEM) to trust for the forge's HTTPS instead of the system's");
  cl->AddDuration("--pr-recheck", &g.pr_recheck, nullptr,
                  "look at an open pull request again after this long, to record a merge or "
                  "close (default 5m)");
  return cl;
}

absl::StatusOr<ControllerFlags> ParseControllerFlags(int argc, char** argv) {
  ControllerFlags f;
  auto cl = ControllerCommandLine(&f);
  if (absl::Status s = cl->Parse(argc, argv); !s.ok()) return s;
  f.help = cl->help_requested();
  return f;
}

absl::Status CheckGitFlags(const GitFlags& git) {
  if (git.repo.empty()) {
    if (!git.forge.empty() || !git.api_url.empty() || !git.project.empty() ||
        !git.token_secret.empty() || !git.work_dir.empty() || !git.ca_file.empty() ||
        git.base != "main") {
      return absl::InvalidArgumentError("--git-* flags need --git-repo URL");
    }
    return absl::OkStatus();
  }
  if (git.token_secret.empty()) {
    return absl::InvalidArgumentError(
        "--git-repo needs --git-token-secret NS/NAME[/KEY]: the Secret holding the forge token");
  }
  absl::StatusOr<gitops::SecretKeyRef> secret = gitops::ParseSecretKeyRef(git.token_secret);
  if (!secret.ok()) return secret.status();
  if (absl::Status s = gitops::CheckCaFile(git.ca_file, "--git-ca-file").status(); !s.ok()) return s;
  return gitops::ResolveForgeTarget({git.repo, git.forge, git.api_url, git.project}).status();
}

absl::StatusOr<std::unique_ptr<controller::Delivery>> MakePullRequestDelivery(
    const GitFlags& git, const kube::RestClient& client) {
  if (absl::Status s = CheckGitFlags(git); !s.ok()) return s;
  if (git.repo.empty()) return std::unique_ptr<controller::Delivery>();
  absl::StatusOr<gitops::SecretKeyRef> secret = gitops::ParseSecretKeyRef(git.token_secret);
  if (!secret.ok()) return secret.status();
  gitops::ClusterDeliveryOptions o;
  o.repository = {git.repo, git.forge, git.api_url, git.project};
  o.base = git.base;
  o.work_root = git.work_dir;
  o.ca_file = git.ca_file;
  kube::RestClient reader = client.WithTimeout(absl::Seconds(10));
  absl::StatusOr<std::unique_ptr<gitops::ClusterDelivery>> d = gitops::ClusterDelivery::Create(
      o, [reader, ref = *secret]() { return gitops::ReadTokenSecret(reader, ref); });
  if (!d.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--git-repo: ", d.status().message()));
  }
  return std::unique_ptr<controller::Delivery>(
      std::make_unique<GitOpsPullRequestDelivery>(*std::move(d), git.pr_recheck));
}

int RunController(int argc, char** argv) {
  ControllerFlags unused;
  absl::StatusOr<ControllerFlags> f = ParseControllerFlags(argc, argv);
  if (!f.ok()) {
    std::fprintf(stderr, "minpriv controller: %s\n", std::string(f.status().message()).c_str());
    return util::kExitUsage;
  }
  if (f->help) {
    std::fputs(ControllerCommandLine(&unused)->Help().c_str(), stdout);
    return util::kExitOk;
  }
  std::unique_ptr<controller::Delivery> pull_request;
  if (absl::Status s = CheckGitFlags(f->git); !s.ok()) {
    std::fprintf(stderr, "minpriv controller: %s\n", std::string(s.message()).c_str());
    return util::kExitUsage;
  }
  if (!f->git.repo.empty()) {
    absl::StatusOr<kube::Config> config =
        kube::LoadDefault(f->options.kubeconfig, kube::EnvironmentMap());
    absl::StatusOr<kube::RestClient> client =
        config.ok() ? kube::RestClient::Create(*config) : config.status();
    if (!client.ok()) {
      std::fprintf(stderr, "minpriv controller: %s\n", std::string(client.status().message()).c_str());
      return util::kExitFailure;
    }
    absl::StatusOr<std::unique_ptr<controller::Delivery>> d = MakePullRequestDelivery(f->git, *client);
    if (!d.ok()) {
      std::fprintf(stderr, "minpriv controller: %s\n", std::string(d.status().message()).c_str());
      return util::kExitUsage;
    }
    pull_request = *std::move(d);
    f->options.pull_request = pull_request.get();
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  absl::Status s = controller::RunController(f->options, &g_stop);
  if (!s.ok()) {
    spdlog::error("controller stopped error=\"{}\"", s.ToString());
    return util::kExitFailure;
  }
  return util::kExitOk;
}

}  // namespace minpriv::cli
