// What the agent knows of one observed container cgroup: its observations in a
// ProfileBuilder (from the cgroup's creation, before anyone knows which container it is),
// the syscalls first seen before the workload's own exec (the runtime's: runc/crun init; its
// capability checks, identities and file writes are not the container's and are left out),
// and, once its pod's status names it, its container and workload. This is the sink the
// NodeObserver feeds; a record of an excluded pod discards what it is given.
#ifndef MINPRIV_AGENT_CGROUP_RECORD_H_
#define MINPRIV_AGENT_CGROUP_RECORD_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "agent/cgroup_path.h"
#include "agent/denial_listener.h"
#include "agent/pod_info.h"
#include "crd/workload_profile.h"
#include "observer/observation.h"
#include "profiler/profile_builder.h"

namespace minpriv::agent {

class CgroupRecord : public observer::ObservationSink {
 public:
  CgroupRecord(uint64_t id, KubeCgroup cgroup, absl::Time created, bool preexisting);

  uint64_t id() const { return id_; }
  const KubeCgroup& cgroup() const { return cgroup_; }
  absl::Time created() const { return created_; }
  // Existed when the agent started watching: its start-up was not observed by this agent.
  bool preexisting() const { return preexisting_; }

  // The workload's first exec happened: later observations are the workload's own.
  void MarkWorkloadExec(absl::Time t);
  bool workload_exec_seen() const { return exec_seen_; }

  // Attribution (once): the container name and workload.
  void Attribute(WorkloadRef workload, std::string container);
  bool attributed() const { return workload_.has_value(); }
  const WorkloadRef& workload() const { return *workload_; }
  const std::string& container() const { return container_; }

  // Drops what was observed and ignores what comes (an excluded pod).
  void Discard();
  bool discarded() const { return builder_ == nullptr; }

  void MarkRemoved(absl::Time t) { removed_ = t; }

  // A second sink that sees the facts the record keeps (shadow mode's ShadowTap).
  void SetTap(std::unique_ptr<observer::ObservationSink> tap) { tap_ = std::move(tap); }
  std::optional<absl::Time> removed() const { return removed_; }

  // The container's profile so far (named after the container); requires !discarded().
  crd::ContainerProfile Build() const;
  // Syscalls first seen before the workload's exec (x86_64 names, sorted).
  std::set<std::string> RuntimeSyscalls() const;
  // The latest new fact, or created() when none.
  absl::Time LastActivity() const;
  std::vector<std::string> IncompleteReasons() const;
  std::vector<std::string> Warnings() const;

  void OnSyscall(absl::Time t, const observer::SyscallObservation& o) override;
  void OnCapability(absl::Time t, const observer::CapabilityObservation& o) override;
  void OnFileWrite(absl::Time t, const observer::FileWriteObservation& o) override;
  void OnExec(absl::Time t, const observer::ExecObservation& o) override;
  void OnIdentity(absl::Time t, const observer::IdentityObservation& o) override;
  void OnListen(absl::Time t, const observer::ListenObservation& o) override;
  void OnFlow(absl::Time t, const observer::FlowObservation& o) override;
  void OnDns(absl::Time t, const observer::DnsObservation& o) override;
  // Denials after the workload's exec go to the listener (kept until attribution, bounded);
  // a syscall seccomp refused never reached sys_enter, so it joins the profile here.
  void OnDenial(absl::Time t, const observer::DenialObservation& o) override;
  void SetDenialListener(DenialListener* listener) { denial_listener_ = listener; }

 private:
  // Hands `d` to the listener once attributed (buffered until then).
  void Deny(ContainerDenial d);

  // Records `key` as the runtime's before the exec; after it, whether it is one of those.
  bool IsRuntimeFact(std::string key);

  uint64_t id_;
  KubeCgroup cgroup_;
  absl::Time created_;
  bool preexisting_;
  bool exec_seen_ = false;
  std::unique_ptr<profiler::ProfileBuilder> builder_;
  std::set<uint32_t> runtime_syscalls_;  // x86_64 numbers first seen before the exec
  // Capability checks, identities, file writes of the runtime (before the exec), as keys.
  std::set<std::string> runtime_facts_;
  std::optional<WorkloadRef> workload_;
  std::string container_;
  std::optional<absl::Time> removed_;
  std::unique_ptr<observer::ObservationSink> tap_;  // last: goes first, the record still whole
  DenialListener* denial_listener_ = nullptr;
  std::vector<ContainerDenial> unattributed_denials_;  // at most kMaxBufferedDenials
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_CGROUP_RECORD_H_
