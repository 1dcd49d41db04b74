#include "gitops/cluster_delivery.h"

#include <sys/stat.h>

#include <cctype>
#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gitops/askpass.h"
#include "gitops/git_runner.h"
#include "gitops/git_workdir.h"
#include "gitops/github_client.h"
#include "gitops/gitlab_client.h"
#include "gitops/pr_evidence.h"

namespace minpriv::gitops {
namespace {

const kube::ResourceRef kSecrets{"", "v1", "secrets", true};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

absl::Status Redacted(const absl::Status& s, const std::string& token) {
  if (s.ok() || token.empty()) return s;
  return absl::Status(s.code(), Redact(std::string(s.message()), token));
}

}  // namespace

absl::StatusOr<SecretKeyRef> ParseSecretKeyRef(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  bool ok = parts.size() == 2 || parts.size() == 3;
  for (const std::string& p : parts) ok = ok && !p.empty();
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--git-token-secret: '", text, "' is not NAMESPACE/NAME or NAMESPACE/NAME/KEY"));
  }
  SecretKeyRef ref;
  ref.ns = parts[0];
  ref.name = parts[1];
  if (parts.size() == 3) ref.key = parts[2];
  return ref;
}

absl::StatusOr<std::string> ReadTokenSecret(const kube::RestClient& client, const SecretKeyRef& ref) {
  const std::string where = absl::StrCat("Secret ", ref.ns, "/", ref.name, " key ", ref.key);
  absl::StatusOr<nlohmann::json> secret = client.Get(kSecrets, ref.ns, ref.name);
  if (!secret.ok()) {
    const std::string why = absl::StrCat(where, ": cannot read the forge token: ",
                                         secret.status().message());
    // The API server unreachable is retried; a Secret missing or forbidden is said.
    if (absl::IsUnavailable(secret.status()) || absl::IsDeadlineExceeded(secret.status())) {
      return absl::Status(secret.status().code(), why);
    }
    return absl::FailedPreconditionError(why);
  }
  const nlohmann::json* data = nullptr;
  if (secret->contains("data") && (*secret)["data"].is_object()) data = &(*secret)["data"];
  if (data == nullptr || !data->contains(ref.key) || !(*data)[ref.key].is_string()) {
    return absl::FailedPreconditionError(absl::StrCat(where, ": no such key in the Secret"));
  }
  std::string decoded;
  if (!absl::Base64Unescape((*data)[ref.key].get<std::string>(), &decoded)) {
    return absl::FailedPreconditionError(absl::StrCat(where, ": not base64"));
  }
  std::string token(absl::StripAsciiWhitespace(decoded));
  if (token.empty()) return absl::FailedPreconditionError(absl::StrCat(where, ": empty"));
  return token;
}

absl::StatusOr<std::unique_ptr<ClusterDelivery>> ClusterDelivery::Create(
    ClusterDeliveryOptions options, TokenSource token) {
  absl::StatusOr<ForgeTarget> target = ResolveForgeTarget(options.repository);
  if (!target.ok()) return target.status();
  if (options.base.empty()) return absl::InvalidArgumentError("--git-base: empty");
  absl::StatusOr<std::string> ca_file = CheckCaFile(options.ca_file, "--git-ca-file");
  if (!ca_file.ok()) return ca_file.status();
  options.ca_file = *ca_file;
  if (options.work_root.empty()) {
    std::string templ = (std::filesystem::temp_directory_path() / "minpriv-pr-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) {
      return absl::InternalError(absl::StrCat("cannot make a work directory under ",
                                              std::filesystem::temp_directory_path().string()));
    }
    options.work_root = templ;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(options.work_root, ec);
    if (ec) return absl::InternalError(absl::StrCat(options.work_root, ": ", ec.message()));
  }
  chmod(options.work_root.c_str(), 0700);
  return std::unique_ptr<ClusterDelivery>(
      new ClusterDelivery(std::move(options), *std::move(target), std::move(token)));
}

absl::StatusOr<ClusterDeliveryResult> ClusterDelivery::Deliver(const ProposalFilesInput& proposal) {
  absl::StatusOr<std::string> token = token_();
  if (!token.ok()) return token.status();
  // The token's directory (0700, removed when this returns) holds the proposal files too.
  absl::StatusOr<Askpass> askpass = Askpass::Create(target_.git_user, *token);
  if (!askpass.ok()) return askpass.status();
  const std::string proposal_dir = askpass->dir() + "/proposal";
  std::error_code ec;
  std::filesystem::create_directories(proposal_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(proposal_dir, ": ", ec.message()));
  if (absl::Status s = WriteProposalFiles(proposal, proposal_dir); !s.ok()) return s;

  const WorkloadRef& w = proposal.workload;
  const std::string clone = absl::StrCat(options_.work_root, "/",
                                         w.namespace_.empty() ? "default" : w.namespace_, "/",
                                         Lower(w.kind), "-", w.name);
  GitRunner git(clone, &*askpass, options_.git_timeout);
  git.set_ca_file(options_.ca_file);
  absl::StatusOr<GitWorkdir> repo = GitWorkdir::Open(&git, options_.repository.repo_url, options_.base);
  if (!repo.ok()) return Redacted(repo.status(), *token);
  absl::StatusOr<Plan> plan = PlanChanges(proposal_dir, repo->dir(), {});
  if (!plan.ok()) return plan.status();
  ClusterDeliveryResult result;
  for (const Unresolved& u : plan->unresolved) {
    if (u.workload.kind == w.kind && u.workload.name == w.name) result.unresolved = u;
  }
  if (result.unresolved) return result;
  const WorkloadChange* change = nullptr;
  for (const WorkloadChange& c : plan->workloads) {
    if (c.workload.kind == w.kind && c.workload.name == w.name) change = &c;
  }
  if (change == nullptr) {
    return absl::InternalError(absl::StrCat("the plan has nothing for ", w.kind, " ", w.name));
  }
  absl::StatusOr<ProposalEvidence> evidence = ReadProposalEvidence(proposal_dir);
  if (!evidence.ok()) return evidence.status();
  std::unique_ptr<ForgeClient> forge;
  if (target_.kind == ForgeKind::kGitHub) {
    forge = std::make_unique<GitHubClient>(target_.api_url, target_.project, *token,
                                           options_.rate_limits, options_.ca_file);
  } else {
    forge = std::make_unique<GitLabClient>(target_.api_url, target_.project, *token,
                                           options_.rate_limits, options_.ca_file);
  }
  Delivery delivery(&*repo, forge.get(), &*evidence);
  absl::StatusOr<WorkloadDelivery> d = delivery.Deliver(*change);
  if (!d.ok()) return Redacted(d.status(), *token);
  if (d->outcome == Outcome::kAlreadyNarrowed) {
    // The base has the change: most likely our pull request was merged; say which.
    absl::StatusOr<std::vector<PullRequest>> prs = forge->FindByHead(d->branch);
    if (!prs.ok()) return Redacted(prs.status(), *token);
    if (!prs->empty() && prs->front().state == PullState::kMerged) {
      d->outcome = Outcome::kMergedLeftAlone;
      d->url = prs->front().url;
      d->number = prs->front().number;
      d->message = absl::StrCat("the ", forge->Noun(), " was merged");
    }
  }
  d->message = Redact(d->message, *token);
  result.delivery = *std::move(d);
  return result;
}

}  // namespace minpriv::gitops
