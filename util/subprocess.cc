#include "util/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace minpriv::util {

namespace {

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

}  // namespace

absl::StatusOr<Subprocess> Subprocess::Start(const std::vector<std::string>& argv,
                                             const Options& options) {
  if (argv.empty()) return absl::InvalidArgumentError("empty command");
  // Report exec failures through a close-on-exec pipe.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError("pipe2 failed");
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return absl::InternalError(absl::StrCat("fork failed: ", strerror(errno)));
  }
  if (pid == 0) {
    close(fds[0]);
    if (!options.output_file.empty()) {
      int out = open(options.output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (out >= 0) {
        dup2(out, STDOUT_FILENO);
        dup2(out, STDERR_FILENO);
      }
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    int err = errno;
    (void)!write(fds[1], &err, sizeof(err));
    _exit(127);
  }
  close(fds[1]);
  int err = 0;
  ssize_t n;
  do {
    n = read(fds[0], &err, sizeof(err));
  } while (n < 0 && errno == EINTR);
  close(fds[0]);
  if (n == sizeof(err)) {
    waitpid(pid, nullptr, 0);
    return absl::NotFoundError(
        absl::StrCat("cannot run ", argv[0], ": ", strerror(err)));
  }
  return Subprocess(pid);
}

Subprocess::Subprocess(Subprocess&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }

Subprocess& Subprocess::operator=(Subprocess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) Stop(absl::ZeroDuration());
    pid_ = other.pid_;
    other.pid_ = -1;
  }
  return *this;
}

Subprocess::~Subprocess() {
  if (pid_ > 0) Stop(absl::ZeroDuration());
}

int Subprocess::Wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return DecodeStatus(status);
}

std::optional<int> Subprocess::WaitFor(absl::Duration timeout) {
  if (pid_ <= 0) return -1;
  absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return DecodeStatus(status);
    }
    if (absl::Now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int Subprocess::Stop(absl::Duration grace) {
  if (pid_ <= 0) return -1;
  if (grace > absl::ZeroDuration()) {
    kill(pid_, SIGTERM);
    if (auto code = WaitFor(grace)) return *code;
  }
  kill(pid_, SIGKILL);
  return Wait();
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      kill_group_(other.kill_group_),
      reaped_(other.reaped_),
      status_(other.status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    KillAndReap();
    pid_ = std::exchange(other.pid_, -1);
    kill_group_ = other.kill_group_;
    reaped_ = other.reaped_;
    status_ = other.status_;
  }
  return *this;
}

bool ChildProcess::Reap() {
  if (pid_ <= 0 || reaped_) return reaped_;
  int st = 0;
  if (waitpid(pid_, &st, WNOHANG) == pid_) {
    reaped_ = true;
    status_ = st;
  }
  return reaped_;
}

void ChildProcess::KillAndReap() {
  if (pid_ <= 0 || reaped_) return;
  kill(kill_group_ ? -pid_ : pid_, SIGKILL);
  while (waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

absl::StatusOr<ChildProcess> StartShell(const std::string& command, bool own_process_group) {
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  if (pid == 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (own_process_group) setpgid(0, 0);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  if (own_process_group) setpgid(pid, pid);
  return ChildProcess(pid, own_process_group);
}

absl::StatusOr<int> Run(const std::vector<std::string>& argv) {
  auto child = Subprocess::Start(argv);
  if (!child.ok()) return child.status();
  return child->Wait();
}

absl::StatusOr<int> RunQuiet(const std::vector<std::string>& argv) {
  Subprocess::Options options;
  options.output_file = "/dev/null";
  auto child = Subprocess::Start(argv, options);
  if (!child.ok()) return child.status();
  return child->Wait();
}

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "minpriv";
  buf[n] = 0;
  return buf;
}

}  // namespace minpriv::util
