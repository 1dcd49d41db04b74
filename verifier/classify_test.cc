// Break classification from synthetic observations: which denials are the proposal's
// doing, deduplication with the evaluator's violations, loopback peers.
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>

#include "util/syscalls.h"
#include "verifier/verify.h"

namespace minpriv::verifier {
namespace {

OciSpec Spec() {
  OciSpec s;
  auto p = ParseSeccompProfile(
      R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["read", "write", "kill"], "action": "SCMP_ACT_ALLOW"}]})",
      "p.json", {});
  EXPECT_TRUE(p.ok());
  s.seccomp = *p;
  s.seccomp_source = "DIR/seccomp/p.json";
  s.capabilities = {"NET_BIND_SERVICE"};
  s.writable_paths = {"/dev", "/var/cache/app"};
  s.read_only_root = true;
  s.uid = 0;
  return s;
}

profiler::TimedDenial SyscallDenial(const char* name, int err) {
  profiler::TimedDenial d;
  d.denial.kind = observer::DenialObservation::Kind::kSyscall;
  d.denial.nr = *util::SyscallNumber(name);
  d.denial.error = err;
  d.denial.comm = "app";
  return d;
}

profiler::TimedDenial WriteDenial(const std::string& path, int err) {
  profiler::TimedDenial d;
  d.denial.kind = observer::DenialObservation::Kind::kFileWrite;
  d.denial.nr = *util::SyscallNumber("openat");
  d.denial.error = err;
  d.denial.path = path;
  d.denial.op = observer::FileOp::kCreate;
  d.denial.comm = "app";
  return d;
}

std::vector<std::string> Messages(const std::vector<Break>& breaks) {
  std::vector<std::string> out;
  for (const auto& b : breaks) out.push_back(b.message);
  return out;
}

TEST(ClassifyTest, SeccompDenialOnlyForSyscallsOutsideTheProfile) {
  auto breaks = ClassifyBreaks(Spec(),
                               {SyscallDenial("ptrace", EPERM), SyscallDenial("kill", EPERM),
                                SyscallDenial("ptrace", EPERM)},
                               {}, {}, nullptr);
  // kill is allowed: its EPERM is the kernel's, not the filter's.
  EXPECT_EQ(Messages(breaks), std::vector<std::string>{"seccomp denied ptrace"});
}

TEST(ClassifyTest, NoSeccompProfileNoSeccompBreaks) {
  OciSpec s = Spec();
  s.seccomp.reset();
  EXPECT_TRUE(ClassifyBreaks(s, {SyscallDenial("ptrace", EPERM)}, {}, {}, nullptr).empty());
}

TEST(ClassifyTest, WritesOutsideWritableMountsAreReadOnlyBreaks) {
  auto breaks = ClassifyBreaks(Spec(),
                               {WriteDenial("/etc/app.conf", EROFS),
                                WriteDenial("/var/cache/app/x", EACCES),
                                WriteDenial("/proc/sys/kernel/x", EROFS)},
                               {}, {}, nullptr);
  EXPECT_EQ(Messages(breaks), (std::vector<std::string>{"permission denied: /var/cache/app/x",
                                                        "read-only file system: /etc/app.conf"}));
}

TEST(ClassifyTest, FailedCapabilityChecks) {
  crd::ContainerProfile observed;
  observed.capability_evidence.push_back({"SYS_ADMIN", "mount", "app", 1, "", true});
  observed.capability_evidence.push_back({"NET_BIND_SERVICE", "__inet_bind", "app", 1, "", false});
  auto breaks = ClassifyBreaks(Spec(), {}, observed, {}, nullptr);
  EXPECT_EQ(Messages(breaks), std::vector<std::string>{"capability missing SYS_ADMIN"});
}

TEST(ClassifyTest, ViolationsDeduplicatedWithDenials) {
  std::vector<remediator::Violation> v = {
      {"fileWrite", "/etc/app.conf", "root file system is read-only"},
      {"syscall", "prctl", "not in allow list"},  // runc's own pre-filter calls: ignored
      {"egress", "10.0.0.9:6379/TCP", "no egress rule admits it"},
      {"dns", "db.example", "no DNS egress"},
  };
  auto breaks = ClassifyBreaks(Spec(), {WriteDenial("/etc/app.conf", EROFS)}, {}, v, nullptr);
  EXPECT_EQ(Messages(breaks),
            (std::vector<std::string>{"network policy would deny DNS lookup of db.example",
                                      "network policy would deny egress to 10.0.0.9:6379/TCP",
                                      "read-only file system: /etc/app.conf"}));
}

TEST(ClassifyTest, NewLoopbackPeersAgainstLearnedProfile) {
  crd::ContainerProfile learned, observed;
  learned.network.egress.push_back({"127.0.0.1", 6379, "TCP", 1, ""});
  learned.network.listen.push_back({8080, "TCP", "127.0.0.1"});
  observed.network.egress.push_back({"127.0.0.1", 6379, "TCP", 1, ""});
  observed.network.egress.push_back({"127.0.0.1", 7000, "TCP", 1, ""});
  observed.network.listen.push_back({8080, "TCP", "127.0.0.1"});
  EXPECT_EQ(Messages(ClassifyBreaks(Spec(), {}, observed, {}, &learned)),
            std::vector<std::string>{"new network peer: egress to 127.0.0.1:7000/TCP"});
  EXPECT_TRUE(ClassifyBreaks(Spec(), {}, observed, {}, nullptr).empty());
}

}  // namespace
}  // namespace minpriv::verifier

namespace minpriv::verifier {
namespace {

TEST(VerifyReportTest, DeterministicAndComplete) {
  VerifyResult r;
  r.workload = "Deployment/web";
  r.container = "nginx";
  r.started = true;
  r.breaks = {{"seccomp", "ptrace", "seccomp denied ptrace", "process app"}};
  r.notes = {"a note"};
  std::string a = VerifyReportJson(r);
  EXPECT_EQ(a, VerifyReportJson(r));
  EXPECT_NE(a.find("\"verified\": false"), std::string::npos);
  EXPECT_NE(a.find("\"message\": \"seccomp denied ptrace\""), std::string::npos);
  r.breaks.clear();
  EXPECT_NE(VerifyReportJson(r).find("\"verified\": true"), std::string::npos);
}

// A capability check that failed while learning too (same capability, same call site) is
// the application's own harmless failure: setpriv --clear-groups has capset fail on SETPCAP.
TEST(ClassifyTest, CapabilityFailureSeenWhileLearningIsNotABreak) {
  crd::ContainerProfile observed;
  crd::CapabilityUse denied;
  denied.capability = "SETPCAP";
  denied.call_site = "cap_capset";
  denied.binary = "setpriv";
  denied.denied = true;
  observed.capability_evidence = {denied};
  // Without the learned profile it is a break.
  auto breaks = ClassifyBreaks(Spec(), {}, observed, {}, nullptr);
  ASSERT_EQ(Messages(breaks), std::vector<std::string>{"capability missing SETPCAP"});
  // The learned profile records it succeeding only: still a break.
  crd::ContainerProfile learned;
  crd::CapabilityUse granted = denied;
  granted.denied = false;
  learned.capability_evidence = {granted};
  EXPECT_FALSE(LearnedDenial(&learned, denied));
  EXPECT_EQ(ClassifyBreaks(Spec(), {}, observed, {}, &learned).size(), 1u);
  // Failing at another call site while learning: still a break.
  crd::CapabilityUse elsewhere = denied;
  elsewhere.call_site = "__sys_setresuid";
  learned.capability_evidence = {granted, elsewhere};
  EXPECT_FALSE(LearnedDenial(&learned, denied));
  EXPECT_EQ(ClassifyBreaks(Spec(), {}, observed, {}, &learned).size(), 1u);
  // The same capability failing at the same call site while learning: not a break.
  learned.capability_evidence = {granted, denied};
  EXPECT_TRUE(LearnedDenial(&learned, denied));
  EXPECT_TRUE(ClassifyBreaks(Spec(), {}, observed, {}, &learned).empty());
  // A successful check is never a "learned denial".
  EXPECT_FALSE(LearnedDenial(&learned, granted));
}

TEST(VerifyCommandTest, ResolvesInTheImageOrSaysNoSuchExecutable) {
  auto abs = ResolveCommand("/bin/true", kDefaultContainerPath);
  ASSERT_TRUE(abs.ok()) << abs.status();
  EXPECT_EQ(*abs, "/bin/true");
  auto bare = ResolveCommand("true", "/nonexistent-dir:/usr/bin");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(*bare, "/usr/bin/true");
  for (auto r : {ResolveCommand("/nonexistent", kDefaultContainerPath),
                 ResolveCommand("no-such-tool-xyz", kDefaultContainerPath),
                 ResolveCommand("/etc/passwd", kDefaultContainerPath),  // not executable
                 ResolveCommand("/usr/bin", kDefaultContainerPath),     // a directory
                 ResolveCommand("true", "/nonexistent-dir")}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("no such executable"), std::string::npos)
        << r.status();
  }
  // Searched under the given root, not the caller's.
  EXPECT_FALSE(ResolveCommand("/bin/true", kDefaultContainerPath, "/nonexistent-root").ok());
}

TEST(VerifyFlagsTest, ReportDestinationIsCheckedUpFront) {
  VerifyOptions o;
  o.proposal = "/";
  o.command = {"/bin/true"};
  o.report = "/nonexistent-dir/r.json";
  auto missing = ValidateVerifyOptions(o);
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("does not exist"), std::string::npos) << missing;
  o.report = "/proc/r.json";  // a directory nobody, not even root, can create files in
  auto unwritable = ValidateVerifyOptions(o);
  EXPECT_EQ(unwritable.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unwritable.message().find("cannot write in /proc/"), std::string::npos)
      << unwritable;
  o.report = "/tmp";
  EXPECT_EQ(ValidateVerifyOptions(o).code(), absl::StatusCode::kInvalidArgument);
  o.report = "/tmp/minpriv-report-check.json";
  EXPECT_TRUE(ValidateVerifyOptions(o).ok());
}

TEST(VerifyReportTest, InterruptedIsNoVerdict) {
  VerifyResult r;
  r.workload = "Pod/p";
  r.container = "c";
  r.interrupted_by = SIGINT;
  EXPECT_FALSE(r.verified());
  EXPECT_NE(VerifyReportJson(r).find("\"interrupted\": \"SIGINT\""), std::string::npos);
}

TEST(VerifyProfileTest, ProposalCarriesProfiles) {
  EXPECT_EQ(ProposalProfilePath("/p", "", "web"), "/p/profiles/web.yaml");
  EXPECT_EQ(ProposalProfilePath("/p", "shop", "web"), "/p/profiles/shop-web.yaml");
}

}  // namespace
}  // namespace minpriv::verifier
