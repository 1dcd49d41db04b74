// GitHub REST v3 for pull requests: list by head (all states, every page via the Link
// header), create, update the body, and add the labels through the issues API.
#ifndef MINPRIV_GITOPS_GITHUB_CLIENT_H_
#define MINPRIV_GITOPS_GITHUB_CLIENT_H_

#include <memory>
#include <string>

#include "gitops/forge_client.h"
#include "gitops/forge_http.h"

namespace minpriv::gitops {

inline constexpr char kGitHubApiVersion[] = "2022-11-28";

class GitHubClient : public ForgeClient {
 public:
  // `project`: OWNER/REPO.
  // `ca_file`: as ForgeHttp's (a private CA's certificates; empty: the system's).
  GitHubClient(const std::string& api_url, const std::string& project, const std::string& token,
               RateLimitPolicy policy = {}, const std::string& ca_file = "");

  absl::StatusOr<std::vector<PullRequest>> FindByHead(const std::string& branch) override;
  absl::StatusOr<PullRequest> Create(const NewPullRequest& request) override;
  absl::Status UpdateBody(int64_t number, const std::string& body) override;
  const char* Noun() const override { return "pull request"; }

 private:
  std::string owner_;
  std::string repo_path_;  // /repos/OWNER/REPO, encoded
  ForgeHttp http_;
};

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_GITHUB_CLIENT_H_
