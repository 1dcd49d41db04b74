#include "util/process.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "util/cgroup.h"

namespace minpriv::util {

namespace {

// What the child reports through the close-on-exec pipe when it cannot exec.
struct ChildError {
  int stage = 0;  // kStageCgroup | kStageExec
  int error = 0;  // errno
};
constexpr int kStageCgroup = 1;
constexpr int kStageExec = 2;

ssize_t ReadRetry(int fd, void* buf, size_t n) {
  ssize_t got;
  while ((got = read(fd, buf, n)) < 0 && errno == EINTR) {
  }
  return got;
}

// Everything the child needs, prepared before the fork: the child only makes
// async-signal-safe calls.
struct ChildPlan {
  std::vector<char*> argv;
  const SpawnOptions* options = nullptr;
  int error_fd = -1;  // write end
  int go_fd = -1;     // read end: 'm' once moved into the cgroup (fallback), 'g' on Release
  int go_write_fd = -1;
  bool wait_moved = false;
  bool new_group = false;
};

int OpenFor(const std::string& path, int flags) {
  return open(path.c_str(), flags | O_CLOEXEC, 0644);
}

[[noreturn]] void Fail(const ChildPlan& plan, int stage) {
  ChildError e{stage, errno};
  (void)!write(plan.error_fd, &e, sizeof(e));
  _exit(127);
}

// The syscalls made here after a held child is released are observed as the workload's
// (learn watches its cgroup from before Release()): keep them few and ordinary.
[[noreturn]] void ChildMain(const ChildPlan& plan) {
  if (plan.go_write_fd >= 0) close(plan.go_write_fd);
  if (plan.new_group) setpgid(0, 0);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  char c = 0;
  if (plan.wait_moved && (ReadRetry(plan.go_fd, &c, 1) != 1 || c != 'm')) _exit(127);
  const SpawnOptions& o = *plan.options;
  const int out_flags = O_WRONLY | O_CREAT | (o.append ? O_APPEND : O_TRUNC);
  if (!o.stdin_path.empty()) {
    int in = OpenFor(o.stdin_path, O_RDONLY);
    if (in >= 0) dup2(in, STDIN_FILENO);
  }
  if (!o.stdout_path.empty()) {
    int out = OpenFor(o.stdout_path, out_flags);
    if (out >= 0) dup2(out, STDOUT_FILENO);
  }
  if (o.stderr_to_stdout) {
    dup2(STDOUT_FILENO, STDERR_FILENO);
  } else if (!o.stderr_path.empty()) {
    int err = OpenFor(o.stderr_path, out_flags);
    if (err >= 0) dup2(err, STDERR_FILENO);
  }
  for (int fd : o.inherit_fds) {
    if (fd > STDERR_FILENO && fcntl(fd, F_SETFD, 0) != 0) Fail(plan, kStageExec);
  }
  if (o.hold && (ReadRetry(plan.go_fd, &c, 1) != 1 || c != 'g')) _exit(127);
  if (o.search_path) {
    execvp(plan.argv[0], plan.argv.data());
  } else {
    execv(plan.argv[0], plan.argv.data());
  }
  Fail(plan, kStageExec);
}

// clone3(CLONE_INTO_CGROUP): the child is born in the cgroup. -1 when the kernel cannot.
pid_t CloneIntoCgroup(int cgroup_fd) {
#if defined(SYS_clone3) && defined(CLONE_INTO_CGROUP)
  struct clone_args args;
  memset(&args, 0, sizeof(args));
  args.flags = CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(cgroup_fd);
  return static_cast<pid_t>(syscall(SYS_clone3, &args, sizeof(args)));
#else
  errno = ENOSYS;
  return -1;
#endif
}

absl::Status ChildErrorStatus(const ChildError& e, const std::string& name,
                              const std::string& cgroup) {
  if (e.stage == kStageCgroup) {
    return absl::InternalError(
        absl::StrCat("cannot start '", name, "' in cgroup ", cgroup, ": ", strerror(e.error)));
  }
  return absl::NotFoundError(absl::StrCat("cannot run '", name, "': ", strerror(e.error)));
}

}  // namespace

std::string DescribeWaitStatus(int st) {
  if (WIFEXITED(st)) return absl::StrCat("exited with status ", WEXITSTATUS(st));
  if (WIFSIGNALED(st)) {
    const char* name = sigabbrev_np(WTERMSIG(st));
    return name ? absl::StrCat("killed by SIG", name)
                : absl::StrCat("killed by signal ", WTERMSIG(st));
  }
  return "stopped";
}

int ExitCodeOf(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 255;
}

absl::StatusOr<Process> Process::Spawn(const std::vector<std::string>& argv,
                                       const SpawnOptions& options) {
  if (argv.empty()) return absl::InvalidArgumentError("empty command");
  int err_pipe[2], go_pipe[2] = {-1, -1};
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  }
  UniqueFd err_read(err_pipe[0]), err_write(err_pipe[1]);
  const bool in_cgroup = !options.cgroup.empty();
  if ((options.hold || in_cgroup) && pipe2(go_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  }
  UniqueFd go_read(go_pipe[0]), go_write(go_pipe[1]);
  UniqueFd cgroup_dir;
  if (in_cgroup) {
    cgroup_dir = UniqueFd(open(options.cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (cgroup_dir.get() < 0) {
      return absl::InternalError(
          absl::StrCat("cannot open cgroup ", options.cgroup, ": ", strerror(errno)));
    }
  }

  ChildPlan plan;
  for (const auto& a : argv) plan.argv.push_back(const_cast<char*>(a.c_str()));
  plan.argv.push_back(nullptr);
  plan.options = &options;
  plan.error_fd = err_write.get();
  plan.go_fd = go_read.get();
  plan.go_write_fd = go_write.get();
  plan.new_group = !in_cgroup && !options.foreground;

  pid_t pid = in_cgroup ? CloneIntoCgroup(cgroup_dir.get()) : -1;
  const bool moved_by_kernel = pid >= 0;
  if (pid == 0) ChildMain(plan);
  if (pid < 0) {
    plan.wait_moved = in_cgroup;  // the parent moves it before it goes on
    pid = fork();
    if (pid == 0) ChildMain(plan);
  }
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  if (plan.new_group) setpgid(pid, pid);  // both sides, so neither races the other

  Process p;
  p.pid_ = pid;
  p.cgroup_ = options.cgroup;
  p.foreground_ = plan.new_group == false && !in_cgroup;
  p.name_ = argv[0];
  err_write.Reset();
  go_read.Reset();
  if (in_cgroup && !moved_by_kernel) {
    if (absl::Status moved = MoveToCgroup(options.cgroup, pid); !moved.ok()) return moved;
    (void)!write(go_write.get(), "m", 1);
  }
  p.exec_error_ = std::move(err_read);
  if (options.hold) {
    p.release_ = std::move(go_write);
    return p;
  }
  go_write.Reset();
  if (absl::Status s = p.Release(); !s.ok()) return s;
  return p;
}

absl::StatusOr<Process> Process::Shell(const std::string& command,
                                       const SpawnOptions& options) {
  SpawnOptions o = options;
  o.search_path = false;
  return Spawn({"/bin/sh", "-c", command}, o);
}

absl::Status Process::Release() {
  if (release_.get() >= 0) {
    (void)!write(release_.get(), "g", 1);
    release_.Reset();
  }
  if (exec_error_.get() < 0) return absl::OkStatus();
  ChildError e;
  ssize_t n = ReadRetry(exec_error_.get(), &e, sizeof(e));
  exec_error_.Reset();
  if (n != sizeof(e)) return absl::OkStatus();
  Wait();
  killed_ = true;
  return ChildErrorStatus(e, name_, cgroup_);
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      cgroup_(std::move(other.cgroup_)),
      exited_(other.exited_),
      wait_status_(other.wait_status_),
      foreground_(other.foreground_),
      killed_(other.killed_),
      release_(std::move(other.release_)),
      exec_error_(std::move(other.exec_error_)),
      name_(std::move(other.name_)) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    Kill();
    this->~Process();
    new (this) Process(std::move(other));
  }
  return *this;
}

bool Process::Poll() {
  if (pid_ <= 0 || exited_) return exited_;
  int st = 0;
  if (waitpid(pid_, &st, WNOHANG) == pid_) {
    exited_ = true;
    wait_status_ = st;
  }
  return exited_;
}

int Process::Wait() {
  if (pid_ <= 0 || exited_) return wait_status_;
  int st = 0;
  pid_t r;
  while ((r = waitpid(pid_, &st, 0)) < 0 && errno == EINTR) {
  }
  exited_ = true;
  wait_status_ = r == pid_ ? st : 0;
  return wait_status_;
}

std::optional<int> Process::WaitFor(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!Poll()) {
    if (pid_ <= 0 || absl::Now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return wait_status_;
}

void Process::Signal(int sig) const {
  if (pid_ > 0 && !exited_) kill(pid_, sig);
}

void Process::SignalAll(int sig) const {
  if (pid_ <= 0) return;
  if (!cgroup_.empty()) {
    SignalCgroup(cgroup_, sig);
  } else if (!foreground_) {
    kill(-pid_, sig);
  }
  Signal(sig);
}

int Process::Stop(absl::Duration grace) {
  if (pid_ <= 0) return wait_status_;
  if (!exited_ && grace > absl::ZeroDuration()) {
    Signal(SIGTERM);
    WaitFor(grace);
  }
  Kill();
  return wait_status_;
}

void Process::Kill() {
  if (pid_ <= 0 || killed_) return;
  killed_ = true;
  release_.Reset();  // a held child that never ran exits on EOF
  SignalAll(SIGKILL);
  Wait();
}

absl::StatusOr<int> Run(const std::vector<std::string>& argv) {
  SpawnOptions options;
  options.foreground = true;
  auto child = Process::Spawn(argv, options);
  if (!child.ok()) return child.status();
  return ExitCodeOf(child->Wait());
}

absl::StatusOr<int> RunQuiet(const std::vector<std::string>& argv) {
  SpawnOptions options;
  options.stdout_path = "/dev/null";
  options.stderr_to_stdout = true;
  options.append = true;
  options.foreground = true;
  auto child = Process::Spawn(argv, options);
  if (!child.ok()) return child.status();
  return ExitCodeOf(child->Wait());
}

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "minpriv";
  buf[n] = 0;
  return buf;
}

}  // namespace minpriv::util
