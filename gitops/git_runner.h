// Runs the real `git` binary (util::Process, no libgit2) in one repository directory, with
// an environment that keeps the user's and the system's git configuration out (no stored
// credentials, no hooks from ~/.gitconfig), never prompts on a terminal, and takes its
// credentials from the Askpass script only. Outputs come back with the token redacted.
// Not thread-safe: one git at a time per runner (the outputs go to the runner's scratch).
#ifndef MINPRIV_GITOPS_GIT_RUNNER_H_
#define MINPRIV_GITOPS_GIT_RUNNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gitops/askpass.h"

namespace minpriv::gitops {

struct GitResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr, redacted
};

class GitRunner {
 public:
  // `repo_dir`: where `git -C` runs (it may not exist yet for a clone: use RunIn).
  // `askpass` must outlive the runner.
  GitRunner(std::string repo_dir, const Askpass* askpass,
            absl::Duration timeout = absl::Minutes(5));

  // git ARGS in the repository; any exit code comes back. Errors: git could not start or
  // ran past the timeout (then killed).
  absl::StatusOr<GitResult> Run(const std::vector<std::string>& args) const;
  // git ARGS in the repository; a non-zero exit is an error "git SUBCOMMAND: <stderr>".
  absl::StatusOr<std::string> Check(const std::vector<std::string>& args) const;
  // As Run, in another directory (for `git clone`, `git init`).
  absl::StatusOr<GitResult> RunIn(const std::string& dir,
                                  const std::vector<std::string>& args) const;

  // PEM CA certificates git trusts for HTTPS instead of the system's (GIT_SSL_CAINFO=FILE,
  // an absolute path; not secret). Empty: the system's (or an inherited GIT_SSL_CAINFO).
  void set_ca_file(std::string ca_file) { ca_file_ = std::move(ca_file); }
  const std::string& ca_file() const { return ca_file_; }

  const std::string& repo_dir() const { return repo_dir_; }
  // The command lines of the last run (for the tests' check that no token is there).
  const std::vector<std::string>& last_argv() const { return last_argv_; }

 private:
  std::string repo_dir_;
  const Askpass* askpass_;
  absl::Duration timeout_;
  std::string ca_file_;
  mutable std::vector<std::string> last_argv_;
};

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_GIT_RUNNER_H_
