// One container run by the real `runc`, owned by a move-only handle: destroying it kills
// what is left (SIGKILL), reaps the container's init process and deletes the container.
//
// The calling process becomes a child subreaper (PR_SET_CHILD_SUBREAPER) so that the
// container's init, which `runc create` leaves behind, is re-parented to it and its exit
// status can be collected with waitpid(), as containerd's shim does. stdout/stderr of the
// container are the caller's (terminal: false, runc's pass-through mode); stdin is
// /dev/null.
#ifndef MINPRIV_VERIFIER_RUNC_H_
#define MINPRIV_VERIFIER_RUNC_H_

#include <sys/types.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace minpriv::verifier {

// Path of the runc binary (PATH lookup, then /usr/sbin/runc, /usr/bin/runc); NotFound
// (an environment error for the CLI) when absent.
absl::StatusOr<std::string> FindRunc();

class RuncContainer {
 public:
  // `runc create --bundle BUNDLE --pid-file BUNDLE/init.pid ID`. The container's init is
  // then waiting for Start(). FailedPrecondition carries runc's exit status when the
  // runtime refused the spec (its own message is on stderr).
  static absl::StatusOr<RuncContainer> Create(const std::string& runc,
                                              const std::string& bundle,
                                              const std::string& id);

  RuncContainer() = default;
  RuncContainer(RuncContainer&& other) noexcept;
  RuncContainer& operator=(RuncContainer&& other) noexcept;
  RuncContainer(const RuncContainer&) = delete;
  RuncContainer& operator=(const RuncContainer&) = delete;
  ~RuncContainer();

  const std::string& id() const { return id_; }
  pid_t init_pid() const { return pid_; }

  // `runc start ID`: the container execs its process.
  absl::Status Start();

  // Waits up to `timeout` for the container's process to exit; its waitpid() status.
  std::optional<int> WaitExit(absl::Duration timeout);
  bool exited() const { return exited_; }
  int wait_status() const { return wait_status_; }

  // SIGTERM to the container's process through `runc kill` (or directly).
  void Terminate();
  // SIGKILL to every process of the container through `runc kill --all` (or directly).
  void KillAll();

  // Terminate(), up to `grace` to exit, then KillAll(). Returns the wait status.
  // Idempotent.
  int Stop(absl::Duration grace);

 private:
  void Destroy();
  absl::Status RunRunc(std::initializer_list<std::string> args);
  std::string runc_;
  std::string id_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int wait_status_ = 0;
};

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_RUNC_H_
