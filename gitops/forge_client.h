// What delivery needs from a forge (GitHub pull requests, GitLab merge requests), as one
// small interface with an implementation per forge (github_client.h, gitlab_client.h).
#ifndef MINPRIV_GITOPS_FORGE_CLIENT_H_
#define MINPRIV_GITOPS_FORGE_CLIENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace minpriv::gitops {

enum class PullState { kOpen, kClosed, kMerged };
const char* PullStateName(PullState state);  // "open" | "closed" | "merged"

struct PullRequest {
  int64_t number = 0;  // GitHub's number, GitLab's iid
  std::string url;     // html_url / web_url
  PullState state = PullState::kOpen;
  std::string body;
};

struct NewPullRequest {
  std::string head;  // the minpriv branch
  std::string base;
  std::string title;
  std::string body;
  std::vector<std::string> labels;
};

class ForgeClient {
 public:
  virtual ~ForgeClient() = default;
  // Every pull request (open, closed, merged) whose head is `branch` in the project, newest
  // first; all pages.
  virtual absl::StatusOr<std::vector<PullRequest>> FindByHead(const std::string& branch) = 0;
  // Opens one (with the labels where the forge allows).
  virtual absl::StatusOr<PullRequest> Create(const NewPullRequest& request) = 0;
  // Replaces the description.
  virtual absl::Status UpdateBody(int64_t number, const std::string& body) = 0;
  // "pull request" or "merge request", for messages.
  virtual const char* Noun() const = 0;
};

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_FORGE_CLIENT_H_
