// Constant syscall and capability sets the remediator compares against or must allow.
#ifndef MINPRIV_REMEDIATOR_RUNTIME_SYSCALLS_H_
#define MINPRIV_REMEDIATOR_RUNTIME_SYSCALLS_H_

#include <string>
#include <vector>

namespace minpriv::remediator {

// Syscalls the container runtime itself makes after it has installed the seccomp filter and
// before/while it execs the workload's entry point, so every generated profile allows them
// whether or not the workload was seen making them. Sorted, x86_64 names. runc 1.1.5's are
// measured (the verifier proves them); newer runc and crun's come from their source; see
// runtime_syscalls.cc for provenance.
const std::vector<std::string>& RuntimeRequiredSyscalls();

// The part of RuntimeRequiredSyscalls() measured here with runc 1.1.5 (the runtime
// `minpriv verify` runs). Sorted.
const std::vector<std::string>& RuncMeasuredSyscalls();

// Syscalls that containerd's / Docker's default seccomp profile ("RuntimeDefault") allows
// on x86_64 without conditions on capabilities. Sorted, x86_64 names only. Source and the
// rules used to flatten it are documented in runtime_syscalls.cc.
const std::vector<std::string>& RuntimeDefaultSyscalls();

// The capability set containerd/Docker give a container by default (Kubernetes spelling).
const std::vector<std::string>& RuntimeDefaultCapabilities();

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_RUNTIME_SYSCALLS_H_
