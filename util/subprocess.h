// Child processes owned by move-only RAII handles: a Subprocess that is still running when
// its handle is destroyed is killed (SIGKILL) and reaped, so no child outlives its owner.
#ifndef MINPRIV_UTIL_SUBPROCESS_H_
#define MINPRIV_UTIL_SUBPROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace minpriv::util {

class Subprocess {
 public:
  struct Options {
    // Redirect stdout/stderr to this file (appended); empty: inherit.
    std::string output_file;
  };
  // Starts argv[0] (searched in PATH) with argv.
  static absl::StatusOr<Subprocess> Start(const std::vector<std::string>& argv,
                                          const Options& options);
  static absl::StatusOr<Subprocess> Start(const std::vector<std::string>& argv) {
    return Start(argv, Options());
  }

  Subprocess() = default;
  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  // Waits for exit; returns the exit code (128+signal when killed by a signal).
  int Wait();
  // Waits up to `timeout`; nullopt when still running.
  std::optional<int> WaitFor(absl::Duration timeout);
  // SIGTERM, then SIGKILL after `grace`; returns the exit code.
  int Stop(absl::Duration grace);

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// A forked child with its raw wait status, for sessions that poll it: Reap() never blocks.
// Destroying (or assigning over) a handle whose child has not been reaped kills it with
// SIGKILL — its whole process group when it was started as a group leader — and reaps it.
class ChildProcess {
 public:
  ChildProcess() = default;
  explicit ChildProcess(pid_t pid, bool kill_process_group = false)
      : pid_(pid), kill_group_(kill_process_group) {}
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { KillAndReap(); }

  pid_t pid() const { return pid_; }
  bool reaped() const { return reaped_; }
  int status() const { return status_; }  // wait status, valid once reaped()

  // Non-blocking reap; true once the child has exited (false for an empty handle).
  bool Reap();
  // SIGKILL (to the group when so started) and a blocking reap, unless already reaped.
  void KillAndReap();

 private:
  pid_t pid_ = -1;
  bool kill_group_ = false;
  bool reaped_ = false;
  int status_ = 0;
};

// Runs `/bin/sh -c command` with SIGINT and SIGTERM at their defaults. With
// `own_process_group` the shell leads a new process group, which a kill then takes along.
absl::StatusOr<ChildProcess> StartShell(const std::string& command, bool own_process_group);

// Runs argv to completion; returns its exit code.
absl::StatusOr<int> Run(const std::vector<std::string>& argv);

// Runs argv to completion with its output discarded; returns its exit code.
absl::StatusOr<int> RunQuiet(const std::vector<std::string>& argv);

// The running binary's own path (/proc/self/exe).
std::string SelfExe();

}  // namespace minpriv::util

#endif  // MINPRIV_UTIL_SUBPROCESS_H_
