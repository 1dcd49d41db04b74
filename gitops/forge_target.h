// Which forge, which API and which project a repository URL means (`minpriv pr --repo
// URL [--forge] [--api-url] [--project]`): github.com and gitlab.com are known by host,
// others need --forge; the project is the URL's path without ".git" unless --project says.
#ifndef MINPRIV_GITOPS_FORGE_TARGET_H_
#define MINPRIV_GITOPS_FORGE_TARGET_H_

#include <string>

#include "absl/status/statusor.h"

namespace minpriv::gitops {

enum class ForgeKind { kGitHub, kGitLab };
const char* ForgeKindName(ForgeKind kind);  // "github" | "gitlab"

struct ForgeTarget {
  ForgeKind kind = ForgeKind::kGitHub;
  std::string api_url;   // without a trailing '/'
  std::string project;   // OWNER/REPO on GitHub; the full group path on GitLab
  std::string git_user;  // the user name git sends with the token (x-access-token, oauth2)
  std::string token_env; // GITHUB_TOKEN | GITLAB_TOKEN
};

struct ForgeFlags {
  std::string repo_url;
  std::string forge;    // "", "github", "gitlab"
  std::string api_url;  // "": the forge's public API
  std::string project;  // "": from the URL
};

// InvalidArgument naming the flag: an unknown --forge, a host that is neither github.com
// nor gitlab.com without --forge, no project in the URL (file://, scp-like paths are read
// too) and no --project, a GitHub project that is not OWNER/REPO.
absl::StatusOr<ForgeTarget> ResolveForgeTarget(const ForgeFlags& flags);

// A --ca-file (named `flag` in messages) made absolute, after checking that it can be read
// and holds a PEM certificate; "" for "". InvalidArgument otherwise.
absl::StatusOr<std::string> CheckCaFile(const std::string& path, const std::string& flag);

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_FORGE_TARGET_H_
