#include "cli/pr_cmd.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "gitops/askpass.h"
#include "gitops/delivery.h"
#include "gitops/forge_target.h"
#include "gitops/git_runner.h"
#include "gitops/git_workdir.h"
#include "gitops/github_client.h"
#include "gitops/gitlab_client.h"
#include "gitops/pr_evidence.h"
#include "util/exit_codes.h"
#include "util/files.h"

namespace minpriv::cli {
namespace {

CommandText PrText() {
  CommandText t;
  t.name = "minpriv pr";
  t.synopsis =
      "minpriv pr --proposal DIR --repo URL [--base BRANCH] [--path PATH]... [--values FILE]...\n"
      "                  [--forge github|gitlab] [--api-url URL] [--project PATH]\n"
      "                  [--token-file FILE] [--ca-file FILE] [--dry-run]";
  t.description =
      "Finds the proposal's workloads in the repository (plain manifests, kustomize overlays,\n"
      "Helm values), edits them minimally, and opens or updates one pull request (GitLab:\n"
      "merge request) per workload on branch minpriv/<namespace>/<kind>-<name>. Running it\n"
      "again with the same proposal changes nothing; a changed proposal updates the same\n"
      "pull request. Prints each pull request's URL.\n"
      "The token comes from --token-file, else GITHUB_TOKEN or GITLAB_TOKEN; it is never\n"
      "passed to git on its command line or written to the repository's configuration.";
  t.footer =
      "exit status: 0 delivered (or nothing to do), 1 the forge or git failed or a workload\n"
      "was left undelivered (not found, ambiguous, conflicting), 2 usage or input errors";
  t.flag_column = 24;
  t.rest = CommandText::Rest::kNothing;
  t.error_hint = "; see 'minpriv pr --help'";
  return t;
}

struct TempDir {
  std::string path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

absl::StatusOr<std::string> Token(const PrFlags& f, const std::string& env_name) {
  if (!f.token_file.empty()) {
    absl::StatusOr<std::string> text = util::ReadFile(f.token_file);
    if (!text.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--token-file: ", text.status().message()));
    }
    std::string token(absl::StripAsciiWhitespace(*text));
    if (token.empty()) return absl::InvalidArgumentError(absl::StrCat("--token-file: ", f.token_file, " is empty"));
    return token;
  }
  const char* env = env_name.empty() ? nullptr : std::getenv(env_name.c_str());
  std::string token = env != nullptr ? std::string(absl::StripAsciiWhitespace(env)) : "";
  // Taken out of this process's environment, so that no child (git, its helpers) inherits it.
  if (env != nullptr) unsetenv(env_name.c_str());
  return token;
}

std::string Name(const gitops::WorkloadRef& w) {
  return absl::StrCat(w.kind, " ", w.namespace_.empty() ? "" : absl::StrCat(w.namespace_, "/"), w.name);
}

int ExitFor(const absl::Status& s) {
  if (s.code() == absl::StatusCode::kUnauthenticated) return util::kExitUsage;  // a refused token
  return util::ExitCodeFor(s, util::PermissionDenied::kUserInput);
}

}  // namespace

std::unique_ptr<CommandLine> PrCommandLine(PrFlags* f) {
  auto cl = std::make_unique<CommandLine>(PrText());
  cl->AddValue("--proposal", &f->proposal, "DIR", "the proposal directory `minpriv propose` wrote");
  cl->AddValue("--repo", &f->repo, "URL", "the repository holding the manifests (https://, file://)");
  cl->AddValue("--base", &f->base, "BRANCH", "the branch pull requests target (default main)");
  cl->AddRepeated("--path", &f->paths, "PATH",
                  "search only this file or directory of the repository (repeatable)");
  cl->AddRepeated("--values", &f->values, "FILE",
                  "a Helm values file the chart is deployed with, relative to the chart or the "
                  "repository, in -f order; the last is edited (repeatable)");
  cl->AddValue("--forge", &f->forge, "KIND", "github or gitlab (default: from the URL's host)")
      ->check(CLI::IsMember({"github", "gitlab"}));
  cl->AddValue("--api-url", &f->api_url, "URL",
               "the forge's API (default https://api.github.com, https://gitlab.com/api/v4)");
  cl->AddValue("--project", &f->project, "PATH",
               "OWNER/REPO or GROUP/.../PROJECT when the URL does not say");
  cl->AddValue("--token-file", &f->token_file, "FILE",
               "the forge token (default: $GITHUB_TOKEN or $GITLAB_TOKEN)");
  cl->AddValue("--ca-file", &f->ca_file, "FILE",
               "CA certificates (PEM) to trust for the forge's HTTPS instead of the system's");
  cl->AddSwitch("--dry-run", &f->dry_run, "print the diff and the pull request text; push nothing");
  return cl;
}

absl::StatusOr<PrFlags> ParsePrFlags(int argc, char** argv) {
  PrFlags f;
  auto cl = PrCommandLine(&f);
  if (absl::Status s = cl->Parse(argc, argv); !s.ok()) return s;
  f.help = cl->help_requested();
  return f;
}

std::string PrHelp() {
  PrFlags unused;
  return PrCommandLine(&unused)->Help();
}

int RunPrWith(int argc, char** argv, const Planner& planner, std::FILE* out, std::FILE* err) {
  auto fail = [err](const absl::Status& s) {
    std::fprintf(err, "minpriv pr: %s\n", std::string(s.message()).c_str());
    return ExitFor(s);
  };
  absl::StatusOr<PrFlags> parsed = ParsePrFlags(argc, argv);
  if (!parsed.ok()) return fail(parsed.status());
  const PrFlags& f = *parsed;
  if (f.help) {
    std::fputs(PrHelp().c_str(), out);
    return util::kExitOk;
  }
  if (f.proposal.empty()) return fail(absl::InvalidArgumentError("--proposal DIR is required"));
  if (f.repo.empty()) return fail(absl::InvalidArgumentError("--repo URL is required"));
  absl::StatusOr<gitops::ProposalEvidence> evidence = gitops::ReadProposalEvidence(f.proposal);
  if (!evidence.ok()) return fail(evidence.status());
  absl::StatusOr<std::string> ca_file = gitops::CheckCaFile(f.ca_file, "--ca-file");
  if (!ca_file.ok()) return fail(ca_file.status());
  absl::StatusOr<gitops::ForgeTarget> target =
      gitops::ResolveForgeTarget({f.repo, f.forge, f.api_url, f.project});
  if (!target.ok() && !f.dry_run) return fail(target.status());
  const std::string env_name = target.ok() ? target->token_env : "";
  absl::StatusOr<std::string> token = Token(f, env_name);
  if (!token.ok()) return fail(token.status());
  if (token->empty() && !f.dry_run) {
    return fail(absl::InvalidArgumentError(absl::StrCat(
        "no token: give --token-file FILE or set ", env_name,
        " (a token that may push branches and open ",
        target->kind == gitops::ForgeKind::kGitHub ? "pull requests: contents and pull_requests write)"
                                                   : "merge requests: the api scope)")));
  }
  absl::StatusOr<gitops::Askpass> askpass =
      gitops::Askpass::Create(target.ok() ? target->git_user : "x-access-token", *token);
  if (!askpass.ok()) return fail(askpass.status());
  TempDir work{askpass->dir() + "/repo"};
  gitops::GitRunner git(work.path, &*askpass);
  git.set_ca_file(*ca_file);
  absl::StatusOr<gitops::GitWorkdir> repo = gitops::GitWorkdir::Open(&git, f.repo, f.base);
  if (!repo.ok()) return fail(repo.status());
  absl::StatusOr<gitops::Plan> plan = planner(f.proposal, repo->dir(), {f.paths, f.values});
  if (!plan.ok()) return fail(plan.status());

  std::unique_ptr<gitops::ForgeClient> forge;
  if (!f.dry_run) {
    if (target->kind == gitops::ForgeKind::kGitHub) {
      forge = std::make_unique<gitops::GitHubClient>(target->api_url, target->project, *token,
                                                     gitops::RateLimitPolicy{}, *ca_file);
    } else {
      forge = std::make_unique<gitops::GitLabClient>(target->api_url, target->project, *token,
                                                     gitops::RateLimitPolicy{}, *ca_file);
    }
  }
  gitops::DeliveryOptions options;
  options.dry_run = f.dry_run;
  gitops::Delivery delivery(&*repo, forge.get(), &*evidence, options);
  int code = util::kExitOk;
  for (const gitops::Unresolved& u : plan->unresolved) {
    std::fprintf(err, "minpriv pr: %s: %s; nothing pushed for it%s%s\n", Name(u.workload).c_str(),
                 u.reason.c_str(), u.candidates.empty() ? "" : "; candidates: ",
                 absl::StrJoin(u.candidates, ", ").c_str());
    code = util::kExitFailure;
  }
  for (const gitops::WorkloadChange& change : plan->workloads) {
    absl::StatusOr<gitops::WorkloadDelivery> d = delivery.Deliver(change);
    if (!d.ok()) {
      std::fprintf(err, "minpriv pr: %s: %s\n", Name(change.workload).c_str(),
                   std::string(d.status().message()).c_str());
      code = std::max(code, ExitFor(d.status()));
      continue;
    }
    if (f.dry_run) {
      std::fprintf(out, "### %s → branch %s (%s)\n\n%s\n### %s\n\n%s\n", Name(d->workload).c_str(),
                   d->branch.c_str(), gitops::OutcomeName(d->outcome), d->diff.c_str(),
                   d->text.title.c_str(), d->text.body.c_str());
      continue;
    }
    std::fprintf(err, "minpriv pr: %s: %s%s%s\n", Name(d->workload).c_str(),
                 gitops::OutcomeName(d->outcome), d->message.empty() ? "" : ": ", d->message.c_str());
    if (!d->url.empty()) std::fprintf(out, "%s\n", d->url.c_str());
    if (d->outcome == gitops::Outcome::kConflict) code = std::max(code, util::kExitFailure);
  }
  return code;
}

}  // namespace minpriv::cli
