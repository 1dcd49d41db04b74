#include "agent/cgroup_record.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "crd/capabilities.h"
#include "util/syscalls.h"

namespace minpriv::agent {
namespace {

constexpr size_t kMaxBufferedDenials = 64;

}  // namespace

CgroupRecord::CgroupRecord(uint64_t id, KubeCgroup cgroup, absl::Time created, bool preexisting)
    : id_(id),
      cgroup_(std::move(cgroup)),
      created_(created),
      preexisting_(preexisting),
      // A cgroup that existed before the agent: its workload's exec is long past.
      exec_seen_(preexisting),
      builder_(std::make_unique<profiler::ProfileBuilder>("")) {}

void CgroupRecord::MarkWorkloadExec(absl::Time) { exec_seen_ = true; }

void CgroupRecord::Attribute(WorkloadRef workload, std::string container) {
  workload_ = std::move(workload);
  container_ = std::move(container);
  std::vector<ContainerDenial> buffered = std::move(unattributed_denials_);
  unattributed_denials_.clear();
  for (ContainerDenial& d : buffered) Deny(std::move(d));
}

void CgroupRecord::Discard() {
  builder_.reset();
  tap_.reset();
  runtime_syscalls_.clear();
  runtime_facts_.clear();
  unattributed_denials_.clear();
}

crd::ContainerProfile CgroupRecord::Build() const {
  crd::ContainerProfile p = builder_->Build();
  p.name = container_;
  return p;
}

std::set<std::string> CgroupRecord::RuntimeSyscalls() const {
  std::set<std::string> out;
  for (uint32_t nr : runtime_syscalls_) {
    if (const char* name = util::SyscallName(nr)) out.insert(name);
  }
  return out;
}

absl::Time CgroupRecord::LastActivity() const {
  if (!builder_) return created_;
  return std::max(created_, builder_->LastNewFact());
}

std::vector<std::string> CgroupRecord::IncompleteReasons() const {
  return builder_ ? builder_->IncompleteReasons() : std::vector<std::string>{};
}

std::vector<std::string> CgroupRecord::Warnings() const {
  return builder_ ? builder_->Warnings() : std::vector<std::string>{};
}

void CgroupRecord::OnSyscall(absl::Time t, const observer::SyscallObservation& o) {
  if (!builder_) return;
  if (!exec_seen_ && o.abi == observer::SyscallAbi::kX86_64) runtime_syscalls_.insert(o.nr);
  builder_->OnSyscall(t, o);
  if (tap_) tap_->OnSyscall(t, o);
}
// Before the workload's exec, capability checks, identities and file writes are the
// runtime's (runc init as root with the runtime's privileges, setting up the root file system
// at the bundle's host paths): not the container's, so not in its profile (as verify's
// replay sets them apart). Their occurrence counts come again at the observer's Drain, after
// the exec: recognised by the runtime's comm with the same fact. Its syscalls are kept.
bool CgroupRecord::IsRuntimeFact(std::string key) {
  if (!exec_seen_) {
    runtime_facts_.insert(std::move(key));
    return true;
  }
  return runtime_facts_.count(key) > 0;
}
void CgroupRecord::OnCapability(absl::Time t, const observer::CapabilityObservation& o) {
  if (!builder_ || IsRuntimeFact(absl::StrCat("cap:", o.cap, ":", o.allowed, ":", o.call_site,
                                              ":", o.comm))) {
    return;
  }
  builder_->OnCapability(t, o);
  if (tap_) tap_->OnCapability(t, o);
  if (!o.allowed) {
    ContainerDenial d;
    d.time = t;
    d.kind = ContainerDenial::Kind::kCapability;
    const char* name = crd::CapabilityName(o.cap);
    d.capability = name ? name : absl::StrCat("CAP_", o.cap);
    d.call_site = o.call_site;
    d.comm = o.comm;
    d.count = o.count;
    if (d.count > 0) Deny(std::move(d));
  }
}
void CgroupRecord::OnFileWrite(absl::Time t, const observer::FileWriteObservation& o) {
  if (!builder_ ||
      IsRuntimeFact(absl::StrCat("file:", static_cast<int>(o.op), ":", o.comm, ":", o.path))) {
    return;
  }
  builder_->OnFileWrite(t, o);
  if (tap_) tap_->OnFileWrite(t, o);
}
void CgroupRecord::OnExec(absl::Time t, const observer::ExecObservation& o) {
  if (!builder_) return;
  builder_->OnExec(t, o);
  if (tap_) tap_->OnExec(t, o);
}
void CgroupRecord::OnIdentity(absl::Time t, const observer::IdentityObservation& o) {
  if (!builder_ || IsRuntimeFact(absl::StrCat("id:", o.uid, ":", o.gid, ":", o.comm))) return;
  builder_->OnIdentity(t, o);
  if (tap_) tap_->OnIdentity(t, o);
}
void CgroupRecord::OnListen(absl::Time t, const observer::ListenObservation& o) {
  if (!builder_) return;
  builder_->OnListen(t, o);
  if (tap_) tap_->OnListen(t, o);
}
void CgroupRecord::OnFlow(absl::Time t, const observer::FlowObservation& o) {
  if (!builder_) return;
  builder_->OnFlow(t, o);
  if (tap_) tap_->OnFlow(t, o);
}
void CgroupRecord::OnDenial(absl::Time t, const observer::DenialObservation& o) {
  if (!builder_) return;
  const char* name = o.abi == observer::SyscallAbi::kI386 ? util::SyscallNameI386(o.nr)
                                                           : util::SyscallName(o.nr);
  if (o.kind == observer::DenialObservation::Kind::kSyscall) {
    // Refused by seccomp before sys_enter saw it: the workload needs it (widens the profile).
    OnSyscall(t, observer::SyscallObservation{o.nr, o.abi});
  }
  if (!exec_seen_) return;  // the runtime's, before the workload's exec
  ContainerDenial d;
  d.time = t;
  d.kind = o.kind == observer::DenialObservation::Kind::kFileWrite
               ? ContainerDenial::Kind::kFileWrite
               : ContainerDenial::Kind::kSyscall;
  d.syscall = name ? name : absl::StrCat("syscall_", o.nr);
  d.error = o.error;
  d.path = o.path;
  d.op = o.op;
  d.comm = o.comm;
  Deny(std::move(d));
}

void CgroupRecord::Deny(ContainerDenial d) {
  if (denial_listener_ == nullptr) return;
  if (!workload_) {
    if (unattributed_denials_.size() < kMaxBufferedDenials) unattributed_denials_.push_back(std::move(d));
    return;
  }
  d.workload = *workload_;
  d.container = container_;
  denial_listener_->OnDenial(d);
}

void CgroupRecord::OnDns(absl::Time t, const observer::DnsObservation& o) {
  if (!builder_) return;
  builder_->OnDns(t, o);
  if (tap_) tap_->OnDns(t, o);
}

}  // namespace minpriv::agent
