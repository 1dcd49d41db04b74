// The seccomp allow list proposed for a container (narrow_seccomp.cc), through Propose.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/proposer.h"

namespace minpriv::remediator {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

constexpr char kPod[] = R"(apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: app
      image: app:1
)";

// A profile of a workload observed from its start, or attached to while it ran.
absl::StatusOr<Proposal> ProposeAttached(bool attached) {
  crd::WorkloadProfile p;
  p.name = "web";
  crd::ContainerProfile c;
  c.name = "app";
  c.syscalls = {"accept4", "nanosleep", "write"};  // what a running server does
  p.containers = {c};
  if (attached) {
    p.status.complete = false;
    p.status.incomplete_reasons = {crd::kReasonStartupNotObserved};
  }
  return Propose({{"profile.yaml", p}}, {{"manifest.yaml", kPod}}, Inventory{});
}

TEST(NarrowSeccompTest, AttachedProfileStillAllowsTheLoadersAndLibcsStartUp) {
  auto from_start = ProposeAttached(false);
  ASSERT_TRUE(from_start.ok()) << from_start.status();
  const ContainerProposal& full = from_start->workloads[0].containers[0];
  // Without the reason nothing of the start-up is added beyond the runtime's own needs.
  EXPECT_THAT(full.seccomp_allowed, Not(Contains("pread64")));
  EXPECT_THAT(full.seccomp_allowed, Not(Contains("arch_prctl")));

  auto attached = ProposeAttached(true);
  ASSERT_TRUE(attached.ok()) << attached.status();
  const ContainerProposal& c = attached->workloads[0].containers[0];
  // What `minpriv learn -- /bin/true` records from the start, measured on this machine.
  EXPECT_THAT(c.seccomp_allowed,
              IsSupersetOf({"access", "arch_prctl", "brk", "close", "execve", "getrandom",
                            "mmap", "mprotect", "munmap", "newfstatat", "openat", "pread64",
                            "prlimit64", "read", "rseq", "set_robust_list", "set_tid_address"}));
  EXPECT_THAT(c.runtime_only, Contains("pread64"));
  EXPECT_THAT(c.risks, Contains(HasSubstr("its start-up was not observed")));
}

}  // namespace
}  // namespace minpriv::remediator
