// GitLab v4 for merge requests: list by source branch (every state, every page via
// X-Next-Page), create (labels on create), update the description. The project is its
// full path, URL-encoded as one segment.
#ifndef MINPRIV_GITOPS_GITLAB_CLIENT_H_
#define MINPRIV_GITOPS_GITLAB_CLIENT_H_

#include <string>

#include "gitops/forge_client.h"
#include "gitops/forge_http.h"

namespace minpriv::gitops {

class GitLabClient : public ForgeClient {
 public:
  // `project`: group/subgroup/project.
  // `ca_file`: as ForgeHttp's (a private CA's certificates; empty: the system's).
  GitLabClient(const std::string& api_url, const std::string& project, const std::string& token,
               RateLimitPolicy policy = {}, const std::string& ca_file = "");

  absl::StatusOr<std::vector<PullRequest>> FindByHead(const std::string& branch) override;
  absl::StatusOr<PullRequest> Create(const NewPullRequest& request) override;
  absl::Status UpdateBody(int64_t number, const std::string& body) override;
  const char* Noun() const override { return "merge request"; }

 private:
  std::string project_path_;  // /projects/<encoded path>
  ForgeHttp http_;
};

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_GITLAB_CLIENT_H_
