// One working copy of the team's repository, driven through GitRunner: fetch the base and
// the minpriv branches, start or continue a workload's branch, write a Plan's files,
// commit, merge a moved base, and push with a lease. The base branch is never pushed.
#ifndef MINPRIV_GITOPS_GIT_WORKDIR_H_
#define MINPRIV_GITOPS_GIT_WORKDIR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gitops/change_set.h"
#include "gitops/git_runner.h"

namespace minpriv::gitops {

// The branch of one workload: minpriv/<namespace>/<kind>-<name> (kind lower-cased, the
// namespace "default" when the manifest did not say).
std::string BranchFor(const WorkloadRef& workload);

inline constexpr char kAuthorName[] = "minpriv";
inline constexpr char kAuthorEmail[] = "minpriv@users.noreply.minpriv.dev";

struct MergeOutcome {
  bool merged = false;                  // a merge commit was made (or fast-forward)
  std::vector<std::string> conflicts;   // files in conflict: the merge was aborted
};

class GitWorkdir {
 public:
  // Makes `git->repo_dir()` a clone of `url` (init + fetch; an existing clone of the same
  // URL is fetched again) and checks the base out, detached. A URL with a password in it is
  // refused (the token belongs in --token-file). Errors: the remote unreachable, the base
  // branch missing ("base branch 'main' not found in URL"), authentication failed.
  static absl::StatusOr<GitWorkdir> Open(const GitRunner* git, const std::string& url,
                                         const std::string& base);

  // Fetches the base and every minpriv/* branch again (pruned).
  absl::Status Fetch();
  const std::string& base() const { return base_; }
  const std::string& dir() const { return git_->repo_dir(); }

  // The commit a remote branch is at, as fetched; nullopt when it does not exist.
  absl::StatusOr<std::optional<std::string>> RemoteSha(const std::string& branch) const;
  // Whether `ancestor` is an ancestor of (or equal to) `descendant`.
  absl::StatusOr<bool> IsAncestor(const std::string& ancestor, const std::string& descendant) const;
  // The value of trailer `key` in the message of `commit`, and of its first-parent
  // ancestors back to the base (the newest wins); empty when none says.
  absl::StatusOr<std::string> LastTrailer(const std::string& commit, const std::string& key) const;

  // Checks out local `branch` at `start` (a commit), discarding any local state.
  absl::Status StartBranch(const std::string& branch, const std::string& start);
  // Merges the fetched base into the checked-out branch. A conflict aborts the merge (the
  // tree is left as it was) and lists the files.
  absl::StatusOr<MergeOutcome> MergeBase();
  // Writes each change's new content (creating directories) and stages it.
  absl::Status WriteFiles(const std::vector<FileChange>& changes);
  // Commits what is staged; false (no commit) when nothing differs from HEAD.
  absl::StatusOr<bool> Commit(const std::string& message);
  // The staged or committed difference between `from` and the work tree's index.
  absl::StatusOr<std::string> DiffFrom(const std::string& from) const;
  absl::StatusOr<std::string> HeadSha() const;
  // Pushes HEAD to `branch` with --force-with-lease=<branch>:<expected> (expected empty:
  // the branch must not exist yet). Refuses the base branch and any branch outside
  // minpriv/. Errors name the rejection (a lease broken by someone else's push).
  absl::Status Push(const std::string& branch, const std::optional<std::string>& expected);

 private:
  GitWorkdir(const GitRunner* git, std::string base) : git_(git), base_(std::move(base)) {}
  const GitRunner* git_;
  std::string base_;
};

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_GIT_WORKDIR_H_
