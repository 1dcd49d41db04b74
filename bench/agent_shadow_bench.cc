// Shadow mode's cost in the agent: 100 pods of one Deployment whose proposal is Proposed, each
// container doing steady work (its facts repeated every second, as the observer's drain
// reports repeats, and one new allowed fact a second somewhere), against the test API server.
// The test plays the NodeObserver, so this measures the user-space side shadow mode adds (the
// BPF side is unchanged by it). SHADOW=0 or 1 selects the mode; bench/agent_shadow.sh runs both
// and prints the ratios. Prints one line: "shadow=N cpu_pct=X rss_mib=Y breaks=Z".
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/agent_test_env.h"
#include "agent/seccomp_installer.h"

namespace minpriv::agent::testing {
namespace {

using nlohmann::json;

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double RssMiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

const std::vector<std::string> kSyscalls = {"read", "write", "openat", "close", "accept4"};

class AgentShadowBench : public AgentEnv {};

TEST_F(AgentShadowBench, HundredSteadyContainers) {
  const bool shadow = std::getenv("SHADOW") == nullptr || std::string(std::getenv("SHADOW")) != "0";
  const int pods = 100;
  const absl::Duration duration = absl::Seconds(10);
  CreateNamespace("shop");
  CreateDeployment("shop", "steady");
  std::vector<std::string> uids;
  for (int i = 0; i < pods; ++i) {
    const std::string name = absl::StrCat("steady-", i);
    uids.push_back(CreatePod("shop", name, "node-a", "ReplicaSet", "steady-rs", "apps/v1"));
    SetStatuses("shop", name, {{"app", ContainerId(i + 1)}});
  }
  json rp = {{"apiVersion", "minpriv.dev/v1alpha1"},
             {"kind", "RemediationProposal"},
             {"metadata", {{"name", "deployment-steady"}, {"namespace", "shop"}}},
             {"spec", {{"target", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "steady"}}}}}};
  ASSERT_TRUE(client_->Create(kRemediationProposals, "shop", rp).ok());
  json status = {
      {"phase", "Proposed"},
      {"containers",
       {{{"name", "app"},
         {"securityContext",
          {{"readOnlyRootFilesystem", true},
           {"capabilities", {{"drop", {"ALL"}}}},
           {"seccompProfile", {{"type", "Localhost"}, {"localhostProfile", "minpriv/shop-steady-app.json"}}}}},
         {"volumeMounts", {{{"name", "tmp"}, {"mountPath", "/tmp"}}}},
         {"seccompProfile", "shop-steady-app"}}}},
      {"volumes", {{{"name", "tmp"}, {"emptyDir", json::object()}}}},
      {"seccompProfiles",
       {{{"name", "shop-steady-app"},
         {"profile", {{"defaultAction", "SCMP_ACT_ERRNO"},
                      {"syscalls", {{{"names", kSyscalls}, {"action", "SCMP_ACT_ALLOW"}}}}}}}}}};
  ASSERT_TRUE(client_->PatchStatus(kRemediationProposals, "shop", "deployment-steady",
                                   kube::PatchType::kMerge, {{"status", status}}).ok());

  AgentOptions o;
  o.node = "node-a";
  o.shadow = shadow;
  Agent agent(*client_, o);
  ASSERT_TRUE(agent.Start(absl::Seconds(10)).ok());
  std::vector<observer::ObservationSink*> sinks;
  auto facts = [&](observer::ObservationSink* s, absl::Time t) {
    for (const std::string& n : kSyscalls) s->OnSyscall(t, {Nr(n), observer::SyscallAbi::kX86_64});
    s->OnFileWrite(t, {observer::FileOp::kWrite, "/tmp/state", "steady", 1});
    s->OnFlow(t, {observer::Direction::kIngress, "10.1.0.9", 8080, observer::Protocol::kTcp, 1});
  };
  for (int i = 0; i < pods; ++i) {
    observer::ObservationSink* s = agent.factory()->OnCgroupCreated(
        static_cast<uint64_t>(i + 1), CgroupfsPath(uids[i], ContainerId(i + 1)));
    ASSERT_NE(s, nullptr);
    agent.factory()->OnWorkloadExec(static_cast<uint64_t>(i + 1), absl::Now());
    facts(s, absl::Now());
    sinks.push_back(s);
  }
  // Settle: attributed, partial published, the proposal checked.
  for (int i = 0; i < 25; ++i) {
    agent.Tick({});
    absl::SleepFor(absl::Milliseconds(200));
  }
  const double cpu0 = CpuSeconds();
  const absl::Time start = absl::Now();
  absl::Time next_second = start;
  int k = 0;
  while (absl::Now() - start < duration) {
    if (absl::Now() >= next_second) {
      next_second += absl::Seconds(1);
      for (observer::ObservationSink* s : sinks) facts(s, absl::Now());  // repeats
      sinks[k % pods]->OnFileWrite(absl::Now(), {observer::FileOp::kCreate,
                                                 absl::StrCat("/tmp/new-", k), "steady", 1});
      ++k;
    }
    agent.Tick({});
    absl::SleepFor(absl::Milliseconds(200));
  }
  const double cpu = CpuSeconds() - cpu0;
  const double secs = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf("shadow=%d cpu_pct=%.3f rss_mib=%.1f breaks=%llu facts_checked=%llu\n", shadow ? 1 : 0,
              100.0 * cpu / secs, RssMiB(),
              static_cast<unsigned long long>(agent.shadow_counters().would_be_breaks),
              static_cast<unsigned long long>(agent.shadow_counters().facts_checked));
  if (shadow) {
    EXPECT_GT(agent.shadow_counters().facts_checked, 0u);  // it did check
    EXPECT_EQ(agent.shadow_counters().would_be_breaks, 0u);  // everything was allowed
  }
}

}  // namespace
}  // namespace minpriv::agent::testing
