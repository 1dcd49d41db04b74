// Reachability of a learned container, read through a real root (this host's).
#include "session/reachability.h"

#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace minpriv::session {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

const crd::ReachableSyscall* Find(const std::vector<crd::ReachableSyscall>& v,
                                  const std::string& name) {
  for (const crd::ReachableSyscall& r : v) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

TEST(ReachabilityTest, ExecutedDynamicBinaryReachesItsImports) {
  crd::ContainerProfile c;
  c.execs = {{"/bin/sh", false, 1, ""}};
  auto r = ComputeReachability(c, "/");
  ASSERT_TRUE(r.ok()) << r.status();
  const crd::ReachableSyscall* fork_like = Find(r->syscalls, "wait4");  // dash waits
  ASSERT_NE(fork_like, nullptr);
  EXPECT_FALSE(fork_like->evidence.empty());
  EXPECT_LE(fork_like->evidence.size(), kMaxEvidencePerSyscall);
  EXPECT_THAT(fork_like->evidence, Contains(HasSubstr("imported by /bin/sh")));
  EXPECT_TRUE(r->static_binaries.empty());
  std::vector<std::string> warnings;
  AddReachability(c, false, "", "", warnings);
  ASSERT_TRUE(c.reachable.has_value());
  EXPECT_EQ(*c.reachable, *r);
  EXPECT_TRUE(warnings.empty());
}

TEST(ReachabilityTest, AttachModeWithoutProcessesFallsBackToHostRootAndSaysSo) {
  std::string dir = ::testing::TempDir() + "/empty-cgroup";
  std::filesystem::create_directories(dir);
  std::string note;
  EXPECT_EQ(WorkloadRoot(true, dir, note), "/");
  EXPECT_THAT(note, HasSubstr("host's root /"));
  EXPECT_EQ(WorkloadRoot(false, dir, note), "/");
  EXPECT_EQ(note, "");
}

}  // namespace
}  // namespace minpriv::session
