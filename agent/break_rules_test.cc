#include "agent/break_rules.h"

#include <cerrno>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace minpriv::agent {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

const json kProfile = {{"defaultAction", "SCMP_ACT_ERRNO"},
                       {"syscalls", {{{"names", {"read", "write"}}, {"action", "SCMP_ACT_ALLOW"}},
                                     {{"name", "getpid"}, {"action", "SCMP_ACT_LOG"}},
                                     {{"names", {"ptrace"}}, {"action", "SCMP_ACT_ERRNO"}}}}};

// An applied proposal changing container app: read-only root, CHOWN added, profile "p".
crd::ProposalStatus Applied() {
  crd::ProposalStatus st;
  crd::ContainerChange c;
  c.name = "app";
  c.security_context = {{"readOnlyRootFilesystem", true},
                        {"capabilities", {{"drop", {"ALL"}}, {"add", {"CHOWN"}}}}};
  c.seccomp_profile = "p";
  st.containers = {c};
  st.seccomp_profiles = {{"p", kProfile}};
  return st;
}

ContainerDenial Syscall(const std::string& name, int error = EPERM) {
  ContainerDenial d;
  d.container = "app";
  d.kind = ContainerDenial::Kind::kSyscall;
  d.syscall = name;
  d.error = error;
  d.comm = "curl";
  return d;
}

ContainerDenial Write(const std::string& path, int error) {
  ContainerDenial d = Syscall("openat", error);
  d.kind = ContainerDenial::Kind::kFileWrite;
  d.path = path;
  return d;
}

ContainerDenial Cap(const std::string& cap, const std::string& site) {
  ContainerDenial d;
  d.container = "app";
  d.kind = ContainerDenial::Kind::kCapability;
  d.capability = cap;
  d.call_site = site;
  d.comm = "app";
  return d;
}

TEST(SeccompProfileAllowsTest, AllowAndLogRulesAndTheDefault) {
  EXPECT_TRUE(SeccompProfileAllows(kProfile, "read"));
  EXPECT_TRUE(SeccompProfileAllows(kProfile, "getpid"));
  EXPECT_FALSE(SeccompProfileAllows(kProfile, "ptrace"));
  EXPECT_FALSE(SeccompProfileAllows(kProfile, "clone"));
  EXPECT_TRUE(SeccompProfileAllows({{"defaultAction", "SCMP_ACT_ALLOW"}}, "clone"));
}

TEST(ClassifyDenialTest, ASyscallTheProfileRefusesIsASeccompBreak) {
  std::optional<crd::BreakItem> b = ClassifyDenial(Syscall("ptrace"), Applied(), {});
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->container, "app");
  EXPECT_EQ(b->kind, "seccomp");
  EXPECT_EQ(b->what, "syscall ptrace");
  EXPECT_EQ(b->process, "curl");
  EXPECT_EQ(b->evidence, "EPERM from ptrace: not allowed by the seccomp profile minpriv/p.json");
  // EPERM from a syscall the profile allows is not the profile's doing.
  EXPECT_FALSE(ClassifyDenial(Syscall("write"), Applied(), {}).has_value());
  // Nor a container the proposal does not change, nor one without a profile.
  ContainerDenial other = Syscall("ptrace");
  other.container = "sidecar";
  EXPECT_FALSE(ClassifyDenial(other, Applied(), {}).has_value());
  crd::ProposalStatus no_profile = Applied();
  no_profile.containers[0].seccomp_profile.clear();
  EXPECT_FALSE(ClassifyDenial(Syscall("ptrace"), no_profile, {}).has_value());
}

TEST(ClassifyDenialTest, AWriteRefusedUnderTheReadOnlyRootIsAReadOnlyRootBreak) {
  std::optional<crd::BreakItem> b = ClassifyDenial(Write("/var/cache/x", EROFS), Applied(), {});
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->kind, "readOnlyRoot");
  EXPECT_EQ(b->what, "write /var/cache/x");
  EXPECT_THAT(b->evidence, HasSubstr("EROFS from openat (write)"));
  // EACCES is explained by the failed capability check, if any; without a read-only root
  // the proposal did not make the file system read-only.
  EXPECT_FALSE(ClassifyDenial(Write("/var/cache/x", EACCES), Applied(), {}).has_value());
  crd::ProposalStatus writable = Applied();
  writable.containers[0].security_context.erase("readOnlyRootFilesystem");
  EXPECT_FALSE(ClassifyDenial(Write("/var/cache/x", EROFS), writable, {}).has_value());
}

TEST(ClassifyDenialTest, AFailedCheckOfACapabilityNotAddedIsABreakUnlessLearningSawItFail) {
  std::optional<crd::BreakItem> b = ClassifyDenial(Cap("NET_RAW", "raw_create"), Applied(), {});
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->kind, "capability");
  EXPECT_EQ(b->what, "capability NET_RAW");
  EXPECT_EQ(b->evidence, "checked by raw_create and failed: the proposal drops ALL and adds CHOWN");
  EXPECT_FALSE(ClassifyDenial(Cap("CHOWN", "setattr_prepare"), Applied(), {}).has_value());
  LearnedDenials learned = {{"app", {"NET_RAW", "raw_create"}}};
  EXPECT_FALSE(ClassifyDenial(Cap("NET_RAW", "raw_create"), Applied(), learned).has_value());
  // The same capability from another call site is new.
  EXPECT_TRUE(ClassifyDenial(Cap("NET_RAW", "packet_create"), Applied(), learned).has_value());
}

}  // namespace
}  // namespace minpriv::agent
