// `minpriv agent` on the real kernel with real runc containers, the test acting as the
// kubelet (tests/agent/kernel_e2e_fixture.h): what the agent publishes holds each container's
// behaviour from runc init's first syscall on, attributed to its Deployment; a pod that lived
// under a second is attributed; a restart loses nothing; churn leaks no tracked cgroup. The
// agent's CPU and RSS with 20 steady containers are measured and printed (not asserted).
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "agent/workload_table.h"
#include "tests/agent/kernel_e2e_fixture.h"

namespace minpriv::agent::testing {
namespace {

using ::testing::AnyOf;
using ::testing::Contains;
using ::testing::IsSupersetOf;
using nlohmann::json;

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST_F(KernelE2eTest, PartialHoldsRuncInitAndTheWorkloadAttributedToTheDeployment) {
  CreateDeployment(kNs, "web");
  StartAgent();
  auto pod = RunPod("web-1", "web-rs", {"/bin/sleep", "1000"});
  ASSERT_NE(pod, nullptr);
  std::optional<json> partial;
  ASSERT_TRUE(WaitFor([&] {
    partial = Partial("web");
    return partial && Has(Syscalls(*partial), "clock_nanosleep") &&
           !Execs(*partial).empty();
  })) << (partial ? partial->dump(1) : "no partial") << AgentLog();
  // runc init's own work in the container's cgroup, before the workload's exec.
  EXPECT_THAT(Syscalls(*partial), IsSupersetOf({"pivot_root", "execve", "clock_nanosleep"}));
  EXPECT_THAT(Execs(*partial), Contains(AnyOf("/bin/sleep", "/usr/bin/sleep")));
  const json& meta = (*partial)["metadata"];
  EXPECT_EQ(meta["labels"]["minpriv.dev/node"], kNode);
  EXPECT_EQ(meta["labels"]["minpriv.dev/workload-kind"], "Deployment");
  EXPECT_EQ(meta["labels"]["minpriv.dev/workload-name"], "web");
  EXPECT_EQ((*partial)["spec"]["target"]["kind"], "Deployment") << partial->dump(1);
  EXPECT_EQ((*partial)["spec"]["target"]["name"], "web") << partial->dump(1);
  // The runtime's syscalls are listed as such.
  EXPECT_THAT(meta["annotations"][kRuntimeSyscallsAnnotation].get<std::string>(),
              ::testing::HasSubstr("pivot_root"));
  EXPECT_EQ((*partial)["status"]["complete"], true) << partial->dump(1);
  EXPECT_EQ(Metric("cgroups_attributed_total"), 1) << HttpGet("/metrics");
  EXPECT_EQ(Metric("tracked_cgroups"), 1) << HttpGet("/metrics");
  const std::string bundle = pod->bundle->dir();
  pod.reset();  // runc delete
  ASSERT_TRUE(WaitFor([&] { return Metric("tracked_cgroups") == 0; })) << HttpGet("/metrics");
  EXPECT_EQ(util::ExitCodeOf(StopAgent()), 0) << AgentLog();
  // After the final drain (occurrence counts delivered again): runc init's privileged set-up
  // (capabilities as root, the root file system it prepares at the bundle's host paths) is
  // the runtime's, not the container's; sleep needs none of it.
  partial = Partial("web");
  ASSERT_TRUE(partial.has_value());
  EXPECT_EQ((*partial)["metadata"]["annotations"][kAgentStateAnnotation], "stopped");
  const json& app = (*partial)["spec"]["containers"][0];
  EXPECT_EQ(app["capabilities"], json::array()) << partial->dump(1);
  EXPECT_EQ(app["capabilityEvidence"], json::array()) << partial->dump(1);
  EXPECT_THAT(app["fileWrites"].dump(), ::testing::Not(::testing::HasSubstr(bundle)));
  EXPECT_THAT(Syscalls(*partial), IsSupersetOf({"pivot_root", "clock_nanosleep"}));
}

TEST_F(KernelE2eTest, CgroupfsPodThatLivedUnderASecondIsAttributedFromALateStatus) {
  UseCgroupfsLayout();
  CreateDeployment(kNs, "blink");
  StartAgent();
  const absl::Time start = absl::Now();
  auto pod = RunPod("blink-1", "blink-rs", {"/bin/true"}, Driver::kCgroupfs,
                    /*write_status=*/false);
  ASSERT_NE(pod, nullptr);
  ASSERT_TRUE(pod->container.WaitExit(absl::Seconds(10)).has_value());
  const RuncPod gone{pod->name, pod->uid, pod->container_id};
  pod.reset();  // runc delete: the cgroup is gone before any status named it
  // runc create to delete: a few hundred ms here; generous for a loaded shared machine.
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  ASSERT_TRUE(WaitFor([&] { return Metric("cgroups_pending") == 1; })) << HttpGet("/metrics");
  WriteStatus(gone);  // the kubelet's late status
  std::optional<json> partial;
  ASSERT_TRUE(WaitFor([&] {
    partial = Partial("blink");
    return partial && !Execs(*partial).empty();
  })) << (partial ? partial->dump(1) : "no partial") << AgentLog();
  EXPECT_THAT(Syscalls(*partial), IsSupersetOf({"pivot_root", "exit_group"}));
  EXPECT_THAT(Execs(*partial), Contains(AnyOf("/bin/true", "/usr/bin/true")));
  EXPECT_EQ((*partial)["metadata"]["labels"]["minpriv.dev/workload-name"], "blink");
  EXPECT_EQ(Metric("cgroups_attributed_total"), 1);
  EXPECT_EQ(Metric("cgroups_pending"), 0);
  EXPECT_EQ(Metric("tracked_cgroups"), 0);
}

TEST_F(KernelE2eTest, RestartMidWindowLosesNothingAndAddsWhatIsNew) {
  CreateDeployment(kNs, "web");
  StartAgent();
  auto first = RunPod("web-1", "web-rs", {"/bin/sleep", "1000"});
  ASSERT_NE(first, nullptr);
  std::optional<json> before;
  ASSERT_TRUE(WaitFor([&] {
    before = Partial("web");
    return before && Has(Syscalls(*before), "clock_nanosleep") && !Execs(*before).empty();
  })) << AgentLog();
  // Stopped while the container still runs (mid-window), then started again.
  EXPECT_EQ(util::ExitCodeOf(StopAgent()), 0) << AgentLog();
  before = Partial("web");
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->at("metadata")["annotations"][kAgentStateAnnotation], "stopped");
  StartAgent();
  // New behaviour: a syscall, an exec, a file write and a capability (CAP_CHOWN: root
  // giving a file away), the workload's own after its exec.
  auto second = RunPod("web-2", "web-rs",
                       {"/bin/sh", "-c", "uname -a >/dev/null; touch /tmp/f; chown 1 /tmp/f"});
  ASSERT_NE(second, nullptr);
  std::optional<json> after;
  ASSERT_TRUE(WaitFor([&] {
    after = Partial("web");
    return after && Has(Syscalls(*after), "uname");
  })) << (after ? after->dump(1) : "no partial") << AgentLog();
  EXPECT_THAT(Syscalls(*after), IsSupersetOf(Syscalls(*before)));
  EXPECT_THAT(Execs(*after), IsSupersetOf(Execs(*before)));
  EXPECT_THAT(Execs(*after), Contains(AnyOf("/bin/uname", "/usr/bin/uname")));
  ASSERT_TRUE(WaitFor([&] {
    after = Partial("web");
    return after && (*after)["spec"]["containers"][0]["capabilities"] == json({"CHOWN"});
  })) << after->dump(1);
  EXPECT_THAT((*after)["spec"]["containers"][0]["fileWrites"].dump(), ::testing::HasSubstr("\"/tmp/f\""));
  EXPECT_EQ(Metric("resumed_total"), 1) << HttpGet("/metrics");
}

// Open file descriptors of `pid`.
size_t OpenFds(pid_t pid) {
  std::error_code ec;
  auto it = std::filesystem::directory_iterator(absl::StrCat("/proc/", pid, "/fd"), ec);
  return ec ? 0 : static_cast<size_t>(std::distance(it, std::filesystem::directory_iterator()));
}

TEST_F(KernelE2eTest, ChurningPodsAreAllAttributedAndNothingLeaks) {
  CreateDeployment(kNs, "job");
  StartAgent();
  // As the "100 pods started and stopped in a minute" (here in about 15 s).
  constexpr int kPods = 100;
  ASSERT_TRUE(WaitFor([&] { return Metric("tracked_cgroups") == 0; })) << HttpGet("/metrics");
  const size_t fds_before = OpenFds(agent_->pid());
  ASSERT_GT(fds_before, 0u);
  for (int i = 0; i < kPods; ++i) {
    auto pod = RunPod(absl::StrCat("job-", i), "job-rs", {"/bin/true"});
    ASSERT_NE(pod, nullptr);
    ASSERT_TRUE(pod->container.WaitExit(absl::Seconds(10)).has_value());
    pod.reset();
    DeletePod(kNs, absl::StrCat("job-", i));
  }
  ASSERT_TRUE(WaitFor([&] {
    return Metric("cgroups_attributed_total") == kPods && Metric("tracked_cgroups") == 0 &&
           Metric("cgroups_pending") == 0;
  })) << HttpGet("/metrics") << AgentLog();
  EXPECT_EQ(Metric("cgroups_unattributed_total"), 0);
  EXPECT_EQ(Metric("untracked_full_total"), 0);
  std::optional<json> partial = Partial("job");
  ASSERT_TRUE(partial.has_value());
  EXPECT_THAT(Syscalls(*partial), IsSupersetOf({"pivot_root", "exit_group"}));
  EXPECT_TRUE(WaitFor([&] { return Metric("workloads") == 0; })) << HttpGet("/metrics");
  // No descriptor per pod stays behind (a few may differ: the API connections' pool).
  EXPECT_LE(OpenFds(agent_->pid()), fds_before + 4);
}

// utime + stime of `pid` in clock ticks.
int64_t CpuTicks(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> f = absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
  // After "pid (comm) ": state is field 3, utime 14, stime 15 (1-based) → indices 11, 12.
  return f.size() > 12 ? std::stoll(f[11]) + std::stoll(f[12]) : -1;
}

int64_t RssKiB(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  for (std::string line; std::getline(in, line);) {
    if (absl::StartsWith(line, "VmRSS:")) return std::stoll(line.substr(6));
  }
  return -1;
}

TEST_F(KernelE2eTest, MeasuresTheAgentWithTwentySteadyContainers) {
  CreateDeployment(kNs, "steady");
  StartAgent();
  std::vector<std::unique_ptr<RuncPod>> pods;
  for (int i = 0; i < 20; ++i) {
    pods.push_back(RunPod(absl::StrCat("steady-", i), "steady-rs",
                          {"/bin/sh", "-c", "while :; do cat /proc/self/stat >/dev/null; "
                                            "sleep 1; done"}));
    ASSERT_NE(pods.back(), nullptr);
  }
  ASSERT_TRUE(WaitFor([&] { return Metric("cgroups_attributed_total") == 20; }))
      << HttpGet("/metrics");
  absl::SleepFor(absl::Seconds(3));  // settled
  const pid_t pid = agent_->pid();
  const int64_t e0 = Metric("events_total");
  const int64_t t0 = CpuTicks(pid);
  const absl::Time w0 = absl::Now();
  absl::SleepFor(absl::Seconds(10));
  const int64_t t1 = CpuTicks(pid);
  const double wall = absl::ToDoubleSeconds(absl::Now() - w0);
  const double cpu_pct = 100.0 * (t1 - t0) / sysconf(_SC_CLK_TCK) / wall;
  const int64_t e1 = Metric("events_total");
  const int64_t rss = RssKiB(pid);
  std::printf("agent with 20 steady containers: CPU %.2f%% of one core over %.1f s, "
              "RSS %.1f MiB (targets < 2%%, < 128 MiB); %.0f new-fact events/s\n",
              cpu_pct, wall, rss / 1024.0, (e1 - e0) / wall);
  EXPECT_GE(t0, 0);
  EXPECT_GT(rss, 0);
  EXPECT_EQ(Metric("tracked_cgroups"), 20);
  std::optional<json> partial = Partial("steady");
  ASSERT_TRUE(partial.has_value());
  EXPECT_THAT(Execs(*partial), Contains(AnyOf("/bin/cat", "/usr/bin/cat")));
}

}  // namespace
}  // namespace minpriv::agent::testing
