// The optional `reachable` block of a container: absent unless computed, read and written
// canonically, united by MergeProfiles.
#include <string>
#include <vector>

#include "crd/profile_codec.h"
#include "crd/workload_profile.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace minpriv::crd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

WorkloadProfile OneContainer() {
  WorkloadProfile p;
  p.name = "web";
  ContainerProfile c;
  c.name = "app";
  c.syscalls = {"read"};
  p.containers = {c};
  return p;
}

TEST(ReachabilityTest, AbsentWhenNotComputed) {
  std::string yaml = EmitWorkloadProfile(OneContainer());
  EXPECT_THAT(yaml, Not(HasSubstr("reachable")));
  auto back = ParseWorkloadProfile(yaml, "in.yaml");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->containers[0].reachable.has_value());
}

TEST(ReachabilityTest, EmittedSortedAndRoundTrips) {
  WorkloadProfile p = OneContainer();
  Reachability r;
  r.syscalls = {{"sendfile", {"imported by /usr/sbin/nginx as sendfile64"}},
                {"mremap", {"imported by /usr/sbin/nginx as realloc",
                            "imported by /usr/sbin/nginx as mremap"}}};
  r.static_binaries = {"/bin/busybox"};
  r.unmapped_imports = 2;
  p.containers[0].reachable = r;
  std::string yaml = EmitWorkloadProfile(p);
  EXPECT_THAT(yaml, HasSubstr("      reachable:\n        syscalls:\n          - name: mremap\n"
                              "            evidence: [imported by /usr/sbin/nginx as mremap, "
                              "imported by /usr/sbin/nginx as realloc]\n"
                              "          - name: sendfile\n"));
  EXPECT_THAT(yaml, HasSubstr("staticBinaries: [/bin/busybox]"));
  EXPECT_THAT(yaml, HasSubstr("unmappedImports: 2"));
  auto back = ParseWorkloadProfile(yaml, "in.yaml");
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_TRUE(back->containers[0].reachable.has_value());
  const Reachability& b = *back->containers[0].reachable;
  ASSERT_EQ(b.syscalls.size(), 2u);
  EXPECT_EQ(b.syscalls[0].name, "mremap");
  EXPECT_EQ(b.syscalls[0].evidence,
            (std::vector<std::string>{"imported by /usr/sbin/nginx as mremap",
                                      "imported by /usr/sbin/nginx as realloc"}));
  EXPECT_EQ(b.static_binaries, (std::vector<std::string>{"/bin/busybox"}));
  EXPECT_EQ(b.unmapped_imports, 2u);
  EXPECT_EQ(EmitWorkloadProfile(*back), yaml);
}

TEST(ReachabilityTest, UnknownSyscallIsAnError) {
  auto p = ParseWorkloadProfile(R"(apiVersion: minpriv.dev/v1alpha1
kind: WorkloadProfile
metadata: {name: m}
spec:
  containers:
  - name: c
    reachable:
      syscalls: [{name: sendfile64, evidence: []}]
)", "in.yaml");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("in.yaml:8:18: unknown reachable syscall 'sendfile64'"));
}

TEST(ReachabilityTest, MergeProfilesUnitesReachability) {
  WorkloadProfile a = OneContainer(), b = OneContainer(), none = OneContainer();
  a.containers[0].reachable = Reachability{{{"sendfile", {"imported by /a as sendfile"}}},
                                           {"/bin/x"}, 1};
  b.containers[0].reachable = Reachability{{{"sendfile", {"imported by /b as sendfile64"}},
                                            {"getrusage", {"imported by /b as getrusage"}}},
                                           {}, 3};
  WorkloadProfile m = MergeProfiles({a, none, b});
  ASSERT_TRUE(m.containers[0].reachable.has_value());
  const Reachability& r = *m.containers[0].reachable;
  ASSERT_EQ(r.syscalls.size(), 2u);
  EXPECT_EQ(r.syscalls[0].name, "getrusage");
  EXPECT_EQ(r.syscalls[1].name, "sendfile");
  EXPECT_EQ(r.syscalls[1].evidence, (std::vector<std::string>{"imported by /a as sendfile",
                                                              "imported by /b as sendfile64"}));
  EXPECT_EQ(r.static_binaries, (std::vector<std::string>{"/bin/x"}));
  EXPECT_EQ(r.unmapped_imports, 3u);
  EXPECT_EQ(MergeProfiles({b, none, a}), m);
  EXPECT_FALSE(MergeProfiles({none, none}).containers[0].reachable.has_value());
}

}  // namespace
}  // namespace minpriv::crd
