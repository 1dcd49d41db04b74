// Child processes: one move-only owning handle, one way to describe a wait status.
//
// A Process never leaves a descendant behind. Its child leads a process group of its own
// (or, when the caller gives a cgroup, starts inside that cgroup v2 directory: clone3 with
// CLONE_INTO_CGROUP where the kernel has it, else the child moves itself there before it
// execs). Kill() and the destructor send SIGKILL to the whole group or cgroup and reap the
// child, so a shell that forks its command (Debian's dash does for `sh -c CMD`) or a
// background job cannot outlive its owner.
#ifndef MINPRIV_UTIL_PROCESS_H_
#define MINPRIV_UTIL_PROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "util/fd.h"

namespace minpriv::util {

// "exited with status 3", "killed by SIGTERM" (from a waitpid() status).
std::string DescribeWaitStatus(int wait_status);

// The exit code a shell reports for a waitpid() status: the status, or 128+signal.
int ExitCodeOf(int wait_status);

struct SpawnOptions {
  // Redirections; an empty path inherits the caller's stream.
  std::string stdin_path;
  std::string stdout_path;  // created (truncated unless `append`)
  std::string stderr_path;  // created (truncated unless `append`)
  bool stderr_to_stdout = false;
  bool append = false;
  // Start inside this cgroup v2 directory; the handle then kills the whole cgroup. Empty:
  // the child leads a new process group, which the handle kills.
  std::string cgroup;
  // Search argv[0] in PATH (execvp) rather than taking it as a path (execv).
  bool search_path = true;
  // Stay in the caller's process group, so that the terminal's Ctrl-C reaches the child as
  // it reaches the caller (commands run to completion in the foreground). The handle then
  // owns the main process only. Ignored with `cgroup`.
  bool foreground = false;
  // Wait in the child until Release() before exec'ing: the caller can watch it first.
  bool hold = false;
  // Descriptors of the caller the child keeps, at the same numbers (their close-on-exec flag
  // is cleared in the child only, so the caller's copies stay close-on-exec and no other
  // child inherits them). Every other descriptor the caller opened close-on-exec stays
  // closed in the child. Must not be 0, 1 or 2 (use the redirections for those).
  std::vector<int> inherit_fds;
};

class Process {
 public:
  // Starts argv. Errors: NotFound "cannot run 'X': <errno text>" when exec fails (unless
  // held: then Release() reports it), Internal for fork/cgroup failures.
  static absl::StatusOr<Process> Spawn(const std::vector<std::string>& argv,
                                       const SpawnOptions& options = {});
  // `/bin/sh -c command`.
  static absl::StatusOr<Process> Shell(const std::string& command,
                                       const SpawnOptions& options = {});

  Process() = default;
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() { Kill(); }

  pid_t pid() const { return pid_; }
  // The cgroup the process was started in ("" when it leads its own process group).
  const std::string& cgroup() const { return cgroup_; }

  // A held process execs now; NotFound "cannot run 'X': ..." when exec failed (the child is
  // then reaped).
  absl::Status Release();

  // Non-blocking reap; true once the child has exited (false for an empty handle).
  bool Poll();
  bool exited() const { return exited_; }
  int wait_status() const { return wait_status_; }  // valid once exited()

  // Waits up to `timeout` for the exit; the wait status, nullopt when still running.
  std::optional<int> WaitFor(absl::Duration timeout);
  // Waits for the exit; the wait status.
  int Wait();

  // `sig` to the main process only (while it has not been reaped).
  void Signal(int sig) const;
  // `sig` to everything the handle owns: the process group or the cgroup.
  void SignalAll(int sig) const;
  // SIGTERM to the main process, up to `grace` to exit, then SIGKILL to everything; the
  // wait status.
  int Stop(absl::Duration grace);
  // SIGKILL to everything the handle owns and a blocking reap of the child. Idempotent.
  void Kill();

 private:
  pid_t pid_ = -1;
  std::string cgroup_;
  bool exited_ = false;
  int wait_status_ = 0;
  bool foreground_ = false;
  bool killed_ = false;
  UniqueFd release_;     // held: a byte written lets the child exec
  UniqueFd exec_error_;  // the child's errno when it could not exec, EOF once it did
  std::string name_;     // argv[0], for messages
};

// Runs argv to completion in the foreground; its exit code (ExitCodeOf).
absl::StatusOr<int> Run(const std::vector<std::string>& argv);

// Runs argv to completion with its output discarded; its exit code.
absl::StatusOr<int> RunQuiet(const std::vector<std::string>& argv);

// The running binary's own path (/proc/self/exe).
std::string SelfExe();

}  // namespace minpriv::util

#endif  // MINPRIV_UTIL_PROCESS_H_
