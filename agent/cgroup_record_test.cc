#include "agent/cgroup_record.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"

namespace minpriv::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kT = absl::FromUnixSeconds(1800000000);

observer::CapabilityObservation Cap(uint32_t cap, const std::string& comm) {
  observer::CapabilityObservation o;
  o.cap = cap;
  o.call_site = "path_mount";
  o.comm = comm;
  return o;
}

TEST(CgroupRecordTest, RuntimeSetUpBeforeTheExecIsLeftOutEvenWhenItsCountsComeAgain) {
  CgroupRecord r(7, KubeCgroup{}, kT, /*preexisting=*/false);
  r.OnCapability(kT, Cap(21, "runc:[2:INIT]"));  // SYS_ADMIN
  r.OnFileWrite(kT, {observer::FileOp::kMknod, "/run/bundle/rootfs/dev/null", "runc:[2:INIT]"});
  r.OnIdentity(kT, {0, 0, "runc:[2:INIT]"});
  r.OnSyscall(kT, {165, observer::SyscallAbi::kX86_64});  // mount
  r.MarkWorkloadExec(kT);
  // The observer's Drain: the same facts with their occurrence counts.
  observer::CapabilityObservation again = Cap(21, "runc:[2:INIT]");
  again.count = 3;
  r.OnCapability(kT, again);
  r.OnFileWrite(kT, {observer::FileOp::kMknod, "/run/bundle/rootfs/dev/null", "runc:[2:INIT]", 2});
  // The workload's own.
  r.OnCapability(kT, Cap(0, "app"));  // CHOWN
  r.OnIdentity(kT, {1000, 1000, "app"});
  r.OnFileWrite(kT, {observer::FileOp::kWrite, "/tmp/out", "app"});
  crd::ContainerProfile p = r.Build();
  EXPECT_THAT(p.capabilities, ElementsAre("CHOWN"));
  ASSERT_EQ(p.file_writes.size(), 1u);
  EXPECT_EQ(p.file_writes[0].path, "/tmp/out");
  ASSERT_EQ(p.users.size(), 1u);
  EXPECT_EQ(p.users[0].uid, 1000u);
  EXPECT_THAT(p.syscalls, ElementsAre("mount"));
  EXPECT_THAT(r.RuntimeSyscalls(), ElementsAre("mount"));
}

TEST(CgroupRecordTest, APreexistingCgroupIsPastItsWorkloadsExec) {
  CgroupRecord r(7, KubeCgroup{}, kT, /*preexisting=*/true);
  r.OnCapability(kT, Cap(0, "app"));
  r.OnSyscall(kT, {165, observer::SyscallAbi::kX86_64});
  EXPECT_THAT(r.Build().capabilities, ElementsAre("CHOWN"));
  EXPECT_THAT(r.RuntimeSyscalls(), IsEmpty());
}

}  // namespace
}  // namespace minpriv::agent
