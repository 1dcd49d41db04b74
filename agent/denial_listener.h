// A denial that hit a container of a workload after its own exec (the runtime's phase before
// it is set apart: runc/crun init is not the workload), as CgroupRecord hands it on once its
// pod's status named the container: seccomp EPERM, a write the kernel refused (EROFS, EACCES)
// and failed capability checks (probe-only checks were already set apart by the observer).
// The listener (BreakWatch) decides whether an applied proposal caused it.
#ifndef MINPRIV_AGENT_DENIAL_LISTENER_H_
#define MINPRIV_AGENT_DENIAL_LISTENER_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "agent/pod_info.h"
#include "observer/observation.h"

namespace minpriv::agent {

struct ContainerDenial {
  enum class Kind { kSyscall, kFileWrite, kCapability };
  WorkloadRef workload;
  std::string container;
  absl::Time time;  // when the kernel reported it
  Kind kind = Kind::kSyscall;
  std::string syscall;     // kSyscall, kFileWrite: its name ("syscall_N" when unknown)
  int32_t error = 0;       // kSyscall, kFileWrite: errno (EPERM, EACCES, EROFS)
  std::string path;        // kFileWrite: as the workload sees it
  observer::FileOp op = observer::FileOp::kWrite;  // kFileWrite
  std::string capability;  // kCapability: Kubernetes spelling (NET_RAW)
  std::string call_site;   // kCapability: the kernel function that checked
  std::string comm;        // the process
  uint64_t count = 1;      // occurrences this stands for
};

// Called on the observer's polling thread: must not block (no API calls).
class DenialListener {
 public:
  virtual ~DenialListener() = default;
  virtual void OnDenial(const ContainerDenial& denial) = 0;
  // Whether the denials of the workload (WorkloadRef::Key()) are wanted now: the observer
  // reports them only for the cgroups of such workloads (and of those not known yet).
  // Thread-safe.
  virtual bool WantsDenialsOf(const std::string& workload_key) const = 0;
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_DENIAL_LISTENER_H_
