// The real tools the edits are checked with (`kubectl kustomize`, `helm template`), run as
// child processes with a time limit, and scratch copies of the repository to run them in
// (the checkout itself is never written).
#ifndef MINPRIV_GITOPS_SOURCES_TOOLS_H_
#define MINPRIV_GITOPS_SOURCES_TOOLS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace minpriv::gitops {

// $MINPRIV_KUBECTL, else /usr/local/lib/minpriv/kubectl-1.34 when it exists, else "kubectl".
std::string KubectlBinary();
// $MINPRIV_HELM, else /usr/local/lib/minpriv/helm when it exists, else "helm".
std::string HelmBinary();

// Runs argv (argv[0] searched in PATH when it has no '/') for at most 120 s; its standard
// output. FailedPrecondition with the tool's standard error when it exits non-zero.
absl::StatusOr<std::string> RunTool(const std::vector<std::string>& argv);

// A private temporary directory, removed with everything in it when the handle goes.
class ScratchDir {
 public:
  static absl::StatusOr<ScratchDir> Create();
  ScratchDir() = default;
  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir& operator=(ScratchDir&& other) noexcept;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Copies `repo_dir` (without .git) to `dest`, then writes `overlay` (repo-relative path →
// content) over it.
absl::Status CopyTree(const std::string& repo_dir, const std::string& dest,
                      const std::map<std::string, std::string>& overlay = {});

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_SOURCES_TOOLS_H_
