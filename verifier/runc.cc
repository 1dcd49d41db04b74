#include "verifier/runc.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "spdlog/spdlog.h"
#include "util/files.h"
#include "util/process.h"

namespace minpriv::verifier {

namespace {

// Runs runc to completion with stdin from /dev/null; returns its wait status.
absl::StatusOr<int> Spawn(const std::vector<std::string>& argv, bool quiet) {
  util::SpawnOptions options;
  options.stdin_path = "/dev/null";
  if (quiet) options.stderr_path = "/dev/null";
  options.search_path = false;
  options.foreground = true;  // a Ctrl-C at the terminal reaches runc as it reaches verify
  auto runc = util::Process::Spawn(argv, options);
  if (!runc.ok()) return runc.status();
  return runc->Wait();
}

}  // namespace

absl::StatusOr<std::string> FindRunc() {
  std::vector<std::string> candidates;
  if (const char* path = getenv("PATH")) {
    std::string p = path;
    size_t start = 0;
    while (start <= p.size()) {
      size_t end = p.find(':', start);
      if (end == std::string::npos) end = p.size();
      if (end > start) candidates.push_back(p.substr(start, end - start) + "/runc");
      start = end + 1;
    }
  }
  candidates.push_back("/usr/sbin/runc");
  candidates.push_back("/usr/bin/runc");
  for (const auto& c : candidates) {
    if (access(c.c_str(), X_OK) == 0) return c;
  }
  return absl::NotFoundError("runc not found in PATH, /usr/sbin or /usr/bin; install the "
                             "runc package (scripts/setup.sh does)");
}

absl::StatusOr<RuncContainer> RuncContainer::Create(const std::string& runc,
                                                    const std::string& bundle,
                                                    const std::string& id) {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    return absl::InternalError(absl::StrCat("PR_SET_CHILD_SUBREAPER: ", strerror(errno)));
  }
  std::string pid_file = bundle + "/init.pid";
  auto status = Spawn({runc, "create", "--bundle", bundle, "--pid-file", pid_file, id},
                      /*quiet=*/false);
  if (!status.ok()) return status.status();
  if (*status != 0) {
    // Remove whatever runc left behind under this id.
    (void)Spawn({runc, "delete", "--force", id}, /*quiet=*/true);
    return absl::FailedPreconditionError(
        absl::StrCat("runc create failed (", util::DescribeWaitStatus(*status), ")"));
  }
  RuncContainer c;
  c.runc_ = runc;
  c.id_ = id;
  auto text = util::ReadFile(pid_file);
  int pid = -1;
  if (!text.ok() || !absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &pid) || pid <= 0) {
    return absl::InternalError(absl::StrCat("runc create wrote no usable pid to ", pid_file));
  }
  c.pid_ = pid;
  return c;
}

RuncContainer::RuncContainer(RuncContainer&& other) noexcept
    : runc_(std::move(other.runc_)),
      id_(std::move(other.id_)),
      pid_(other.pid_),
      exited_(other.exited_),
      wait_status_(other.wait_status_) {
  other.id_.clear();
  other.pid_ = -1;
}

RuncContainer& RuncContainer::operator=(RuncContainer&& other) noexcept {
  if (this != &other) {
    Destroy();
    runc_ = std::move(other.runc_);
    id_ = std::move(other.id_);
    pid_ = other.pid_;
    exited_ = other.exited_;
    wait_status_ = other.wait_status_;
    other.id_.clear();
    other.pid_ = -1;
  }
  return *this;
}

RuncContainer::~RuncContainer() { Destroy(); }

void RuncContainer::Destroy() {
  if (id_.empty()) return;
  Stop(absl::ZeroDuration());
  auto st = Spawn({runc_, "delete", "--force", id_}, /*quiet=*/true);
  if (!st.ok() || *st != 0) spdlog::warn("runc delete {} failed", id_);
  id_.clear();
  pid_ = -1;
}

absl::Status RuncContainer::RunRunc(std::initializer_list<std::string> args) {
  std::vector<std::string> argv = {runc_};
  argv.insert(argv.end(), args.begin(), args.end());
  auto st = Spawn(argv, /*quiet=*/false);
  if (!st.ok()) return st.status();
  if (*st != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("runc ", *args.begin(), " failed (", util::DescribeWaitStatus(*st), ")"));
  }
  return absl::OkStatus();
}

absl::Status RuncContainer::Start() { return RunRunc({"start", id_}); }

std::optional<int> RuncContainer::WaitExit(absl::Duration timeout) {
  if (exited_) return wait_status_;
  if (pid_ <= 0) return std::nullopt;
  absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      wait_status_ = status;
      return status;
    }
    if (r < 0 && errno == ECHILD) {
      // Not our child (no subreaper?): poll for its disappearance instead.
      if (kill(pid_, 0) != 0 && errno == ESRCH) {
        exited_ = true;
        wait_status_ = 0;
        return wait_status_;
      }
    }
    if (absl::Now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void RuncContainer::Terminate() {
  if (exited_ || pid_ <= 0) return;
  if (!RunRunc({"kill", id_, "TERM"}).ok()) kill(pid_, SIGTERM);
}

void RuncContainer::KillAll() {
  if (exited_ || pid_ <= 0) return;
  auto st = Spawn({runc_, "kill", "--all", id_, "KILL"}, /*quiet=*/true);
  if (!st.ok() || *st != 0) kill(pid_, SIGKILL);
}

int RuncContainer::Stop(absl::Duration grace) {
  if (exited_ || pid_ <= 0) return wait_status_;
  if (grace > absl::ZeroDuration()) {
    Terminate();
    if (auto st = WaitExit(grace)) return *st;
  }
  KillAll();
  if (auto s = WaitExit(absl::Seconds(10))) return *s;
  spdlog::error("container {} (pid {}) did not exit after SIGKILL", id_, pid_);
  return wait_status_;
}

}  // namespace minpriv::verifier
