#include "gitops/git_workdir.h"

#include <filesystem>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gitops/forge_http.h"
#include "util/files.h"

namespace minpriv::gitops {
namespace {

namespace fs = std::filesystem;

// Identity for the commits minpriv makes (author and committer), given on the command line
// so that no configuration file is written.
std::vector<std::string> Identity(std::vector<std::string> args) {
  std::vector<std::string> out = {"-c", absl::StrCat("user.name=", kAuthorName), "-c",
                                  absl::StrCat("user.email=", kAuthorEmail)};
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

// A password in the URL would land in .git/config and in git's argv.
bool UrlHasPassword(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  std::string rest = url.substr(scheme + 3);
  std::string authority = rest.substr(0, rest.find('/'));
  size_t at = authority.rfind('@');
  return at != std::string::npos && authority.substr(0, at).find(':') != std::string::npos;
}

// Git's words for a refused credential, turned into PermissionDenied; for a forge
// certificate it does not trust, FailedPrecondition saying what to do.
absl::Status Classify(absl::Status s, const std::string& url, const std::string& ca_file) {
  if (s.ok()) return s;
  std::string m(s.message());
  if (std::string hinted = WithCertificateHint(m, ca_file); hinted != m) {
    return absl::FailedPreconditionError(hinted);
  }
  if (absl::StrContains(m, "Authentication failed") || absl::StrContains(m, "returned error: 403") ||
      absl::StrContains(m, "returned error: 401") || absl::StrContains(m, "could not read Username") ||
      absl::StrContains(m, "could not read Password")) {
    return absl::PermissionDeniedError(
        absl::StrCat(url, ": the token was refused (check --token-file, GITHUB_TOKEN or "
                          "GITLAB_TOKEN and its scopes): ", m));
  }
  return s;
}

absl::Status CheckRepoPath(const std::string& path) {
  if (path.empty() || path.front() == '/' || absl::StrContains(path, "\\")) {
    return absl::InvalidArgumentError(absl::StrCat("plan: '", path, "' is not a relative path"));
  }
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == "." || part == ".." || part == ".git") {
      return absl::InvalidArgumentError(
          absl::StrCat("plan: '", path, "' leaves the repository or touches .git"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string BranchFor(const WorkloadRef& w) {
  return absl::StrCat("minpriv/", w.namespace_.empty() ? "default" : w.namespace_, "/",
                      absl::AsciiStrToLower(w.kind), "-", w.name);
}

absl::StatusOr<GitWorkdir> GitWorkdir::Open(const GitRunner* git, const std::string& url,
                                            const std::string& base) {
  if (UrlHasPassword(url)) {
    return absl::InvalidArgumentError(
        "--repo: the URL carries a password; give the token with --token-file or "
        "GITHUB_TOKEN/GITLAB_TOKEN instead");
  }
  if (base.empty() || absl::StartsWith(base, "minpriv/")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--base: '", base, "' cannot be the base branch"));
  }
  std::error_code ec;
  fs::create_directories(git->repo_dir(), ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot create ", git->repo_dir(), ": ", ec.message()));
  }
  GitWorkdir w(git, base);
  if (!fs::exists(fs::path(git->repo_dir()) / ".git")) {
    if (auto s = git->Check({"init", "-q"}); !s.ok()) return s.status();
    if (auto s = git->Check({"remote", "add", "origin", url}); !s.ok()) return s.status();
  } else {
    absl::StatusOr<std::string> have = git->Check({"remote", "get-url", "origin"});
    if (!have.ok()) return have.status();
    if (absl::StripTrailingAsciiWhitespace(*have) != url) {
      return absl::FailedPreconditionError(absl::StrCat(
          git->repo_dir(), " is a clone of another remote (", absl::StripTrailingAsciiWhitespace(*have), ")"));
    }
  }
  if (absl::Status s = w.Fetch(); !s.ok()) return Classify(s, url, git->ca_file());
  absl::StatusOr<std::optional<std::string>> base_sha = w.RemoteSha(base);
  if (!base_sha.ok()) return base_sha.status();
  if (!*base_sha) {
    return absl::NotFoundError(absl::StrCat("base branch '", base, "' not found in ", url));
  }
  if (absl::Status s = w.StartBranch("", **base_sha); !s.ok()) return s;
  return w;
}

absl::Status GitWorkdir::Fetch() {
  absl::StatusOr<GitResult> r = git_->Run(
      {"fetch", "-q", "--prune", "--no-tags", "origin",
       absl::StrCat("+refs/heads/", base_, ":refs/remotes/origin/", base_),
       "+refs/heads/minpriv/*:refs/remotes/origin/minpriv/*"});
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    std::string err(absl::StripTrailingAsciiWhitespace(r->err));
    if (absl::StrContains(err, "couldn't find remote ref")) {
      return absl::NotFoundError(absl::StrCat("base branch '", base_, "' not found: ", err));
    }
    absl::StatusOr<std::string> url = git_->Check({"remote", "get-url", "origin"});
    return Classify(absl::UnavailableError(absl::StrCat("git fetch: ", err)),
                    url.ok() ? std::string(absl::StripTrailingAsciiWhitespace(*url)) : "",
                    git_->ca_file());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> GitWorkdir::RemoteSha(const std::string& branch) const {
  absl::StatusOr<GitResult> r = git_->Run(
      {"rev-parse", "-q", "--verify", absl::StrCat("refs/remotes/origin/", branch, "^{commit}")});
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) return std::optional<std::string>();
  return std::optional<std::string>(std::string(absl::StripTrailingAsciiWhitespace(r->out)));
}

absl::StatusOr<bool> GitWorkdir::IsAncestor(const std::string& ancestor,
                                            const std::string& descendant) const {
  absl::StatusOr<GitResult> r = git_->Run({"merge-base", "--is-ancestor", ancestor, descendant});
  if (!r.ok()) return r.status();
  if (r->exit_code > 1) return absl::InternalError(absl::StrCat("git merge-base: ", r->err));
  return r->exit_code == 0;
}

absl::StatusOr<std::string> GitWorkdir::LastTrailer(const std::string& commit,
                                                    const std::string& key) const {
  absl::StatusOr<std::string> out = git_->Check(
      {"log", "--first-parent", absl::StrCat("--format=%(trailers:key=", key, ",valueonly)"),
       commit, absl::StrCat("^refs/remotes/origin/", base_), "--"});
  if (!out.ok()) return out.status();
  for (absl::string_view line : absl::StrSplit(*out, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) return std::string(line);
  }
  return std::string();
}

absl::Status GitWorkdir::StartBranch(const std::string& branch, const std::string& start) {
  std::vector<std::string> args = {"checkout", "-q", "-f"};
  if (branch.empty()) {
    args.insert(args.end(), {"--detach", start});
  } else {
    args.insert(args.end(), {"-B", branch, start});
  }
  if (auto s = git_->Check(args); !s.ok()) return s.status();
  return git_->Check({"clean", "-fdxq"}).status();
}

absl::StatusOr<MergeOutcome> GitWorkdir::MergeBase() {
  MergeOutcome m;
  const std::string ref = absl::StrCat("refs/remotes/origin/", base_);
  absl::StatusOr<bool> contained = IsAncestor(ref, "HEAD");
  if (!contained.ok()) return contained.status();
  if (*contained) return m;
  absl::StatusOr<GitResult> r = git_->Run(Identity(
      {"merge", "-q", "--no-edit", "-m", absl::StrCat("Merge branch '", base_, "' into minpriv"),
       ref}));
  if (!r.ok()) return r.status();
  if (r->exit_code == 0) {
    m.merged = true;
    return m;
  }
  absl::StatusOr<std::string> files = git_->Check({"diff", "--name-only", "--diff-filter=U"});
  (void)git_->Run({"merge", "--abort"});
  if (!files.ok()) return files.status();
  for (absl::string_view f : absl::StrSplit(*files, '\n', absl::SkipEmpty())) {
    m.conflicts.emplace_back(f);
  }
  if (m.conflicts.empty()) {
    return absl::InternalError(absl::StrCat("git merge: ", absl::StripTrailingAsciiWhitespace(r->err),
                                            absl::StripTrailingAsciiWhitespace(r->out)));
  }
  return m;
}

absl::Status GitWorkdir::WriteFiles(const std::vector<FileChange>& changes) {
  for (const FileChange& c : changes) {
    if (absl::Status s = CheckRepoPath(c.path); !s.ok()) return s;
    fs::path full = fs::path(dir()) / c.path;
    std::error_code ec;
    fs::create_directories(full.parent_path(), ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot create ", full.parent_path().string()));
    if (absl::Status s = util::WriteFileAtomic(full.string(), c.new_content); !s.ok()) return s;
    if (auto s = git_->Check({"add", "--", c.path}); !s.ok()) return s.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> GitWorkdir::Commit(const std::string& message) {
  absl::StatusOr<GitResult> r = git_->Run({"diff", "--cached", "--quiet"});
  if (!r.ok()) return r.status();
  if (r->exit_code == 0) return false;
  if (auto s = git_->Check(Identity({"commit", "-q", "--no-verify", "-m", message})); !s.ok()) {
    return s.status();
  }
  return true;
}

absl::StatusOr<std::string> GitWorkdir::DiffFrom(const std::string& from) const {
  return git_->Check({"diff", "--cached", "--no-color", "--no-ext-diff", from, "--"});
}

absl::StatusOr<std::string> GitWorkdir::HeadSha() const {
  absl::StatusOr<std::string> out = git_->Check({"rev-parse", "HEAD"});
  if (!out.ok()) return out.status();
  return std::string(absl::StripTrailingAsciiWhitespace(*out));
}

absl::Status GitWorkdir::Push(const std::string& branch, const std::optional<std::string>& expected) {
  if (branch == base_ || !absl::StartsWith(branch, "minpriv/")) {
    return absl::InternalError(absl::StrCat("refusing to push '", branch,
                                            "': minpriv pushes only its own minpriv/ branches"));
  }
  const std::string ref = absl::StrCat("refs/heads/", branch);
  absl::StatusOr<GitResult> r = git_->Run(
      {"push", "-q", "--porcelain", absl::StrCat("--force-with-lease=", ref, ":", expected.value_or("")),
       "origin", absl::StrCat("HEAD:", ref)});
  if (!r.ok()) return r.status();
  if (r->exit_code == 0) return absl::OkStatus();
  std::string what = absl::StrCat(absl::StripTrailingAsciiWhitespace(r->out), " ",
                                  absl::StripTrailingAsciiWhitespace(r->err));
  absl::StatusOr<std::string> url = git_->Check({"remote", "get-url", "origin"});
  absl::Status s = Classify(absl::AbortedError(absl::StrCat("git push ", branch, ": ", what)),
                            url.ok() ? std::string(absl::StripTrailingAsciiWhitespace(*url)) : "",
                            git_->ca_file());
  if (s.code() == absl::StatusCode::kAborted && absl::StrContains(what, "stale info")) {
    return absl::AbortedError(absl::StrCat(
        "git push ", branch, ": someone else pushed to the branch since minpriv last did; "
        "nothing was overwritten (", what, ")"));
  }
  return s;
}

}  // namespace minpriv::gitops
