#include "gitops/git_runner.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "util/files.h"
#include "util/process.h"

namespace minpriv::gitops {

GitRunner::GitRunner(std::string repo_dir, const Askpass* askpass, absl::Duration timeout)
    : repo_dir_(std::move(repo_dir)), askpass_(askpass), timeout_(timeout) {}

absl::StatusOr<GitResult> GitRunner::RunIn(const std::string& dir,
                                           const std::vector<std::string>& args) const {
  // The environment is given through env(1): only names and the askpass script's path are
  // on its command line, the token stays in the askpass directory. Tokens the caller's
  // environment may hold are not passed on to git and its helpers.
  std::vector<std::string> argv = {
      "/usr/bin/env",
      "-u", "GITHUB_TOKEN", "-u", "GH_TOKEN", "-u", "GITLAB_TOKEN", "-u", "GITLAB_PRIVATE_TOKEN",
      "-u", "GIT_CONFIG_PARAMETERS",
      "GIT_TERMINAL_PROMPT=0",
      "GIT_CONFIG_NOSYSTEM=1",
      "GIT_CONFIG_GLOBAL=/dev/null",
      absl::StrCat("GIT_ASKPASS=", askpass_->script()),
      "SSH_ASKPASS=",
      "LC_ALL=C",
      "git",
      "-C",
      dir,
      "-c",
      "credential.helper=",
      "-c",
      "core.hooksPath=/dev/null",
  };
  argv.insert(argv.end(), args.begin(), args.end());
  last_argv_ = argv;
  util::SpawnOptions options;
  options.stdin_path = "/dev/null";
  options.stdout_path = askpass_->dir() + "/git.out";
  options.stderr_path = askpass_->dir() + "/git.err";
  options.search_path = false;
  absl::StatusOr<util::Process> p = util::Process::Spawn(argv, options);
  if (!p.ok()) return p.status();
  std::optional<int> status = p->WaitFor(timeout_);
  const std::string sub = args.empty() ? "git" : absl::StrCat("git ", args.front());
  if (!status) {
    p->Kill();
    return absl::DeadlineExceededError(
        absl::StrCat(sub, ": still running after ", absl::FormatDuration(timeout_), "; killed"));
  }
  GitResult r;
  r.exit_code = util::ExitCodeOf(*status);
  absl::StatusOr<std::string> out = util::ReadFile(options.stdout_path);
  absl::StatusOr<std::string> err = util::ReadFile(options.stderr_path);
  if (out.ok()) r.out = Redact(*std::move(out), askpass_->token());
  if (err.ok()) r.err = Redact(*std::move(err), askpass_->token());
  return r;
}

absl::StatusOr<GitResult> GitRunner::Run(const std::vector<std::string>& args) const {
  return RunIn(repo_dir_, args);
}

absl::StatusOr<std::string> GitRunner::Check(const std::vector<std::string>& args) const {
  absl::StatusOr<GitResult> r = Run(args);
  if (!r.ok()) return r.status();
  if (r->exit_code != 0) {
    std::string what = r->err.empty() ? r->out : r->err;
    return absl::FailedPreconditionError(
        absl::StrCat("git ", args.empty() ? "" : args.front(), ": ",
                     absl::StripTrailingAsciiWhitespace(what)));
  }
  return std::move(r->out);
}

}  // namespace minpriv::gitops
