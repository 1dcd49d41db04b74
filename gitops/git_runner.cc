#include "gitops/git_runner.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "util/process.h"

namespace minpriv::gitops {
namespace {

// git's stdout and stderr go to anonymous memory, not to files: whatever git prints is
// redacted before it is kept anywhere. The child opens "/proc/self/fd/N" (its copy from the
// fork) as its redirection target, so util::Process needs no pipes for it.
struct Capture {
  util::UniqueFd fd;
  std::string path() const { return absl::StrCat("/proc/self/fd/", fd.get()); }
  std::string Read() const {
    std::string text;
    char buf[8192];
    off_t off = 0;
    for (;;) {
      ssize_t n = pread(fd.get(), buf, sizeof(buf), off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
      off += n;
    }
    return text;
  }
};

absl::StatusOr<Capture> NewCapture(const char* name) {
  Capture c{util::UniqueFd(memfd_create(name, MFD_CLOEXEC))};
  if (c.fd.get() < 0) return absl::InternalError(absl::StrCat("memfd_create: ", strerror(errno)));
  return c;
}

}  // namespace

GitRunner::GitRunner(std::string repo_dir, const Askpass* askpass, absl::Duration timeout)
    : repo_dir_(std::move(repo_dir)), askpass_(askpass), timeout_(timeout) {}

absl::StatusOr<GitResult> GitRunner::RunIn(const std::string& dir,
                                           const std::vector<std::string>& args) const {
  // The environment is given through env(1): only names and the askpass script's path are
  // on its command line; the token stays in the askpass memfd, the one descriptor git
  // inherits besides its standard streams. Tokens the caller's
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
  };
  // GIT_SSL_CAINFO rather than -c http.sslCAInfo: the variable wins over the configuration,
  // and an inherited one (some hosts set it to the system bundle) would otherwise win over
  // the flag.
  if (!ca_file_.empty()) argv.push_back(absl::StrCat("GIT_SSL_CAINFO=", ca_file_));
  argv.insert(argv.end(), {
      "git",
      "-C",
      dir,
      "-c",
      "credential.helper=",
      "-c",
      "core.hooksPath=/dev/null",
  });
  argv.insert(argv.end(), args.begin(), args.end());
  last_argv_ = argv;
  absl::StatusOr<Capture> out_capture = NewCapture("minpriv-git-out");
  if (!out_capture.ok()) return out_capture.status();
  absl::StatusOr<Capture> err_capture = NewCapture("minpriv-git-err");
  if (!err_capture.ok()) return err_capture.status();
  util::SpawnOptions options;
  options.stdin_path = "/dev/null";
  options.stdout_path = out_capture->path();
  options.stderr_path = err_capture->path();
  options.search_path = false;
  if (askpass_->token_fd() >= 0) options.inherit_fds = {askpass_->token_fd()};
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
  r.out = Redact(out_capture->Read(), askpass_->token());
  r.err = Redact(err_capture->Read(), askpass_->token());
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
