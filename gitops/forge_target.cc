#include "gitops/forge_target.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "util/files.h"

namespace minpriv::gitops {
namespace {

struct ParsedUrl {
  std::string host;  // lower-case, without user and port
  std::string path;  // without leading '/' and trailing ".git" or '/'
};

ParsedUrl Parse(const std::string& url) {
  ParsedUrl p;
  std::string rest;
  size_t scheme = url.find("://");
  if (scheme != std::string::npos) {
    rest = url.substr(scheme + 3);
    if (absl::StartsWith(url, "file://")) {
      return p;  // a local path: no forge project in it
    }
    size_t slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    rest = slash == std::string::npos ? "" : rest.substr(slash + 1);
    size_t at = authority.rfind('@');
    if (at != std::string::npos) authority = authority.substr(at + 1);
    p.host = authority.substr(0, authority.find(':'));
  } else if (size_t colon = url.find(':'); colon != std::string::npos && url.find('/') > colon) {
    // scp-like: git@github.com:owner/repo.git
    std::string authority = url.substr(0, colon);
    size_t at = authority.rfind('@');
    p.host = at == std::string::npos ? authority : authority.substr(at + 1);
    rest = url.substr(colon + 1);
  } else {
    return p;
  }
  p.host = absl::AsciiStrToLower(p.host);
  absl::string_view path = rest;
  path = path.substr(0, path.find_first_of("?#"));
  while (absl::ConsumeSuffix(&path, "/")) {
  }
  absl::ConsumeSuffix(&path, ".git");
  while (absl::ConsumePrefix(&path, "/")) {
  }
  p.path = std::string(path);
  return p;
}

}  // namespace

const char* ForgeKindName(ForgeKind kind) {
  return kind == ForgeKind::kGitHub ? "github" : "gitlab";
}

absl::StatusOr<ForgeTarget> ResolveForgeTarget(const ForgeFlags& flags) {
  if (flags.repo_url.empty()) return absl::InvalidArgumentError("--repo: give the repository URL");
  ParsedUrl url = Parse(flags.repo_url);
  ForgeTarget t;
  if (flags.forge == "github") {
    t.kind = ForgeKind::kGitHub;
  } else if (flags.forge == "gitlab") {
    t.kind = ForgeKind::kGitLab;
  } else if (!flags.forge.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--forge: '", flags.forge, "' is not one of github, gitlab"));
  } else if (url.host == "github.com" || url.host == "www.github.com") {
    t.kind = ForgeKind::kGitHub;
  } else if (url.host == "gitlab.com" || url.host == "www.gitlab.com") {
    t.kind = ForgeKind::kGitLab;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--forge: cannot tell the forge from '", flags.repo_url,
        "' (only github.com and gitlab.com are known by name); give --forge github|gitlab"));
  }
  if (t.kind == ForgeKind::kGitHub) {
    t.api_url = "https://api.github.com";
    t.git_user = "x-access-token";
    t.token_env = "GITHUB_TOKEN";
  } else {
    t.api_url = "https://gitlab.com/api/v4";
    t.git_user = "oauth2";
    t.token_env = "GITLAB_TOKEN";
  }
  if (!flags.api_url.empty()) {
    if (!absl::StartsWith(flags.api_url, "https://") && !absl::StartsWith(flags.api_url, "http://")) {
      return absl::InvalidArgumentError(
          absl::StrCat("--api-url: '", flags.api_url, "' is not an http(s) URL"));
    }
    t.api_url = std::string(absl::StripSuffix(flags.api_url, "/"));
  }
  t.project = flags.project.empty() ? url.path
                                    : std::string(absl::StripSuffix(
                                          absl::StripPrefix(flags.project, "/"), "/"));
  if (t.project.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--project: the URL '", flags.repo_url, "' names no project; give --project ",
        t.kind == ForgeKind::kGitHub ? "OWNER/REPO" : "GROUP/PROJECT"));
  }
  if (t.kind == ForgeKind::kGitHub &&
      (t.project.find('/') == std::string::npos ||
       t.project.find('/') != t.project.rfind('/'))) {
    return absl::InvalidArgumentError(
        absl::StrCat("--project: '", t.project, "' is not OWNER/REPO (GitHub)"));
  }
  return t;
}

absl::StatusOr<std::string> CheckCaFile(const std::string& path, const std::string& flag) {
  if (path.empty()) return std::string();
  absl::StatusOr<std::string> text = util::ReadFile(path);
  if (!text.ok()) return absl::InvalidArgumentError(absl::StrCat(flag, ": ", text.status().message()));
  if (!absl::StrContains(*text, "-----BEGIN CERTIFICATE-----")) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path, " holds no PEM certificate (-----BEGIN CERTIFICATE-----)"));
  }
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat(flag, ": ", path, ": ", ec.message()));
  return absolute.lexically_normal().string();
}

}  // namespace minpriv::gitops
