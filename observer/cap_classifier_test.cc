#include "observer/cap_classifier.h"

#include "gtest/gtest.h"

namespace minpriv::observer {
namespace {

TEST(CapClassifierTest, RealNeedsReportTheirCallSite) {
  // Stacks as measured on Linux 6.18 (innermost first).
  auto chown = ClassifyCapabilityStack(0, {"bpf_prog_6deef7357e7b4530_on_cap_capable",
                                        "bpf_trace_run5", "cap_capable", "security_capable",
                                        "capable_wrt_inode_uidgid", "setattr_prepare",
                                        "ext4_setattr", "notify_change", "chown_common"});
  EXPECT_FALSE(chown.probe);
  EXPECT_EQ(chown.call_site, "setattr_prepare");

  auto bind = ClassifyCapabilityStack(
      10, {"cap_capable", "security_capable", "ns_capable", "__inet_bind", "inet_bind_sk"});
  EXPECT_FALSE(bind.probe);
  EXPECT_EQ(bind.call_site, "__inet_bind");
}

TEST(CapClassifierTest, MemoryAccountingIsAProbe) {
  auto c = ClassifyCapabilityStack(21, {"cap_capable", "security_capable",
                                    "cap_vm_enough_memory", "security_vm_enough_memory_mm",
                                    "do_brk_flags", "__do_sys_brk"});
  EXPECT_TRUE(c.probe);
  EXPECT_NE(c.probe_reason.find("cap_vm_enough_memory"), std::string::npos);
}

TEST(CapClassifierTest, NoauditAndPtraceProbes) {
  // ps reading /proc/sys: ns_capable_noaudit.
  EXPECT_TRUE(ClassifyCapabilityStack(21, {"bpf_trace_run5", "cap_capable", "security_capable",
                                           "ns_capable_noaudit", "pid_table_root_permissions",
                                           "sysctl_perm"})
                  .probe);
  // ps reading /proc/1/stat: ptrace check in no-audit mode via plain ns_capable.
  auto stat = ClassifyCapabilityStack(
      19, {"cap_capable", "security_capable", "ns_capable", "cap_ptrace_access_check",
           "security_ptrace_access_check", "ptrace_may_access", "do_task_stat"});
  EXPECT_TRUE(stat.probe);
  EXPECT_EQ(stat.call_site, "ptrace_may_access");
  // ptrace attach (audited mode): a need.
  EXPECT_FALSE(ClassifyCapabilityStack(19, {"cap_capable", "security_capable", "ns_capable",
                                            "__ptrace_may_access", "ptrace_attach"})
                   .probe);
}

// CAP_FSETID at chmod decides whether S_ISGID survives (chmod 2755 by a caller outside
// the file's group): the tracepoint cannot see the mode, so it is a need at every site.
TEST(CapClassifierTest, SetgidBitDecisionIsANeed) {
  std::vector<std::string> chmod = {"cap_capable", "security_capable",
                                    "capable_wrt_inode_uidgid", "setattr_prepare",
                                    "ext4_setattr", "notify_change", "chmod_common"};
  EXPECT_FALSE(ClassifyCapabilityStack(4, chmod).probe);  // FSETID: keeps S_ISGID
  for (const char* site : {"setattr_copy", "in_group_or_capable"}) {
    auto c = ClassifyCapabilityStack(
        4, {"cap_capable", "security_capable", "capable_wrt_inode_uidgid", site,
            "notify_change", "chmod_common"});
    EXPECT_FALSE(c.probe) << site;
    EXPECT_EQ(c.call_site, site);
  }
  EXPECT_FALSE(ClassifyCapabilityStack(3, chmod).probe);  // FOWNER: a need
  EXPECT_FALSE(ClassifyCapabilityStack(0, chmod).probe);  // CHOWN: a need
}

TEST(CapClassifierTest, OverlayfsOwnXattrLookupsAreProbes) {
  // Measured under runc on an overlay root (the workload's openat, mounter's credentials).
  std::vector<std::string> ovl = {
      "bpf_trace_run5", "cap_capable", "security_capable", "capable", "xattr_permission",
      "vfs_getxattr", "ovl_check_metacopy_xattr", "ovl_lookup_single", "ovl_lookup_layer",
      "ovl_lookup", "path_openat", "do_filp_open", "do_sys_openat2"};
  auto c = ClassifyCapabilityStack(21, ovl);
  EXPECT_TRUE(c.probe);
  EXPECT_EQ(c.call_site, "xattr_permission");
  // The workload's own trusted.* xattr access (no overlay lookup): a need.
  EXPECT_FALSE(ClassifyCapabilityStack(21, {"cap_capable", "security_capable", "capable",
                                            "xattr_permission", "vfs_setxattr",
                                            "do_setxattr", "path_setxattr"})
                   .probe);
}

TEST(CapClassifierTest, SuffixesAndUnknownFrames) {
  EXPECT_EQ(StripSymbolSuffix("__inet_bind.isra.0"), "__inet_bind");
  EXPECT_EQ(StripSymbolSuffix("foo.cold"), "foo");
  auto c = ClassifyCapabilityStack(1, {"cap_capable", "", "generic_permission.part.0"});
  EXPECT_FALSE(c.probe);
  EXPECT_EQ(c.call_site, "generic_permission");
  EXPECT_EQ(ClassifyCapabilityStack(1, {"cap_capable"}).call_site, "unknown");
}

TEST(KallsymsTest, ResolvesKernelText) {
  auto s = KallsymsSymbolizer::Load();
  ASSERT_TRUE(s.ok()) << s.status();  // tests run as root
  EXPECT_GT(s->size(), 1000u);
}

}  // namespace
}  // namespace minpriv::observer
