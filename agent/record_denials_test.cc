// CgroupRecord's denials: the workload's (after its exec) go to the listener with their
// container and workload once attributed; the runtime's (before the exec) do not; a syscall
// seccomp refused joins the container's profile.
#include <cerrno>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "agent/cgroup_record.h"

namespace minpriv::agent {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kT = absl::FromUnixSeconds(1800000000);

struct Collect : DenialListener {
  std::vector<ContainerDenial> got;
  void OnDenial(const ContainerDenial& d) override { got.push_back(d); }
  bool WantsDenialsOf(const std::string&) const override { return true; }
};

observer::DenialObservation Seccomp(uint32_t nr, const std::string& comm) {
  observer::DenialObservation o;
  o.kind = observer::DenialObservation::Kind::kSyscall;
  o.nr = nr;
  o.error = EPERM;
  o.comm = comm;
  return o;
}

TEST(RecordDenialsTest, TheWorkloadsDenialsReachTheListenerOnceAttributed) {
  Collect listener;
  CgroupRecord r(7, KubeCgroup{}, kT, /*preexisting=*/false);
  r.SetDenialListener(&listener);
  r.OnDenial(kT, Seccomp(101, "runc:[2:INIT]"));  // ptrace, the runtime's: before the exec
  r.MarkWorkloadExec(kT);
  r.OnDenial(kT + absl::Seconds(1), Seccomp(56, "sh"));  // clone
  observer::CapabilityObservation cap;
  cap.cap = 13;  // NET_RAW
  cap.allowed = false;
  cap.call_site = "raw_create";
  cap.comm = "ping";
  r.OnCapability(kT + absl::Seconds(2), cap);
  EXPECT_THAT(listener.got, IsEmpty());  // not attributed yet: buffered
  r.Attribute(WorkloadRef{"shop", "Deployment", "web", "apps/v1"}, "app");
  ASSERT_THAT(listener.got, SizeIs(2));
  EXPECT_EQ(listener.got[0].kind, ContainerDenial::Kind::kSyscall);
  EXPECT_EQ(listener.got[0].syscall, "clone");
  EXPECT_EQ(listener.got[0].comm, "sh");
  EXPECT_EQ(listener.got[0].container, "app");
  EXPECT_EQ(listener.got[0].workload.Key(), "shop/Deployment/web");
  EXPECT_EQ(listener.got[0].time, kT + absl::Seconds(1));
  EXPECT_EQ(listener.got[1].kind, ContainerDenial::Kind::kCapability);
  EXPECT_EQ(listener.got[1].capability, "NET_RAW");
  EXPECT_EQ(listener.got[1].call_site, "raw_create");
  // Attributed: straight through.
  observer::DenialObservation ro;
  ro.kind = observer::DenialObservation::Kind::kFileWrite;
  ro.nr = 257;  // openat
  ro.error = EROFS;
  ro.path = "/etc/x";
  ro.comm = "app";
  r.OnDenial(kT + absl::Seconds(3), ro);
  ASSERT_THAT(listener.got, SizeIs(3));
  EXPECT_EQ(listener.got[2].kind, ContainerDenial::Kind::kFileWrite);
  EXPECT_EQ(listener.got[2].syscall, "openat");
  EXPECT_EQ(listener.got[2].path, "/etc/x");
  EXPECT_EQ(listener.got[2].error, EROFS);
}

TEST(RecordDenialsTest, ASyscallSeccompRefusedJoinsTheProfile) {
  CgroupRecord r(7, KubeCgroup{}, kT, /*preexisting=*/true);
  r.OnDenial(kT, Seccomp(101, "app"));  // no listener: still learned
  EXPECT_THAT(r.Build().syscalls, Contains("ptrace"));
}

TEST(RecordDenialsTest, ADiscardedRecordForgetsItsDenials) {
  Collect listener;
  CgroupRecord r(7, KubeCgroup{}, kT, /*preexisting=*/true);
  r.SetDenialListener(&listener);
  r.OnDenial(kT, Seccomp(56, "sh"));
  r.Discard();
  r.OnDenial(kT, Seccomp(57, "sh"));
  r.Attribute(WorkloadRef{"kube-system", "Pod", "x", "v1"}, "app");
  EXPECT_THAT(listener.got, IsEmpty());
}

}  // namespace
}  // namespace minpriv::agent
