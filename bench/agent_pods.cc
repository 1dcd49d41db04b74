// bench/agent_pods.sh's measurement: the real `minpriv agent` watching PODS pods (default
// 100), each one container started by runc under the kubelet's cgroup layout (systemd
// naming) and doing steady work (a shell forking `cat /proc/self/stat` every second), with
// the test API server as the cluster and this program as the kubelet (the fixture of
// tests/agent/agent_kernel_e2e_test). Prints the agent's CPU (% of one core) and RSS over
// SECONDS (default 20) once every container is attributed, against the targets.
// AGENT_CAPS (e.g. "bpf,perfmon,net_admin,syslog") runs the agent as root with only those
// capabilities (setpriv), to check which it needs. A benchmark, not a test: nothing asserted
// but that the run happened.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/agent/kernel_e2e_fixture.h"

namespace minpriv::agent::testing {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : fallback;
}

int64_t CpuTicks(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> f = absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
  return f.size() > 12 ? std::stoll(f[11]) + std::stoll(f[12]) : -1;
}

int64_t StatusKiB(pid_t pid, const char* field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  for (std::string line; std::getline(in, line);) {
    if (absl::StartsWith(line, field)) return std::stoll(line.substr(std::string(field).size()));
  }
  return -1;
}

int FreePortNumber() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  int port = 0;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(s);
  return port;
}

class AgentPodsBench : public KernelE2eTest {
 protected:
  // As StartAgent, optionally under setpriv with only AGENT_CAPS.
  void StartAgentWithCaps(const std::string& caps) {
    metrics_port_ = FreePortNumber();
    std::vector<std::string> argv;
    if (!caps.empty()) {
      std::string set;
      for (absl::string_view c : absl::StrSplit(caps, ',')) absl::StrAppend(&set, ",+", c);
      argv = {"/usr/bin/setpriv", "--inh-caps=-all" + set, "--ambient-caps=-all" + set,
              "--bounding-set=-all" + set, "--"};
    }
    for (const std::string& a :
         {std::string(MINPRIV_BINARY), std::string("agent"), std::string("--node"),
          std::string(kNode), std::string("--kubeconfig"), server_->kubeconfig(),
          std::string("--cgroup-root"), root_, std::string("--publish-interval"),
          std::string("5s"), std::string("--metrics-addr"),
          absl::StrCat("127.0.0.1:", metrics_port_)}) {
      argv.push_back(a);
    }
    util::SpawnOptions o;
    o.stdout_path = agent_log_;
    o.stderr_to_stdout = true;
    o.append = true;
    auto p = util::Process::Spawn(argv, o);
    ASSERT_TRUE(p.ok()) << p.status();
    agent_ = *std::move(p);
    ASSERT_TRUE(WaitFor([&] {
      return agent_->Poll() || absl::StrContains(HttpGet("/readyz"), " 200 ");
    })) << AgentLog();
    ASSERT_FALSE(agent_->exited()) << AgentLog();
  }
};

TEST_F(AgentPodsBench, SteadyPods) {
  const int pods_n = EnvInt("PODS", 100);
  const int seconds = EnvInt("SECONDS_MEASURED", 20);
  const char* caps = std::getenv("AGENT_CAPS");
  CreateDeployment(kNs, "steady");
  StartAgentWithCaps(caps != nullptr ? caps : "");
  if (HasFatalFailure()) return;
  std::vector<std::unique_ptr<RuncPod>> pods;
  const absl::Time s0 = absl::Now();
  for (int i = 0; i < pods_n; ++i) {
    pods.push_back(RunPod(absl::StrCat("steady-", i), "steady-rs",
                          {"/bin/sh", "-c", "while :; do cat /proc/self/stat >/dev/null; "
                                            "sleep 1; done"}));
    ASSERT_NE(pods.back(), nullptr) << "pod " << i;
  }
  std::printf("started %d pods with runc in %.1f s\n", pods_n,
              absl::ToDoubleSeconds(absl::Now() - s0));
  ASSERT_TRUE(WaitFor([&] { return Metric("cgroups_attributed_total") == pods_n; },
                      absl::Seconds(120)))
      << HttpGet("/metrics") << AgentLog();
  absl::SleepFor(absl::Seconds(6));  // one publication round after the last start
  const pid_t pid = agent_->pid();
  const int64_t e0 = Metric("events_total"), w0_written = Metric("partials_written_total");
  const int64_t t0 = CpuTicks(pid);
  const absl::Time w0 = absl::Now();
  absl::SleepFor(absl::Seconds(seconds));
  const int64_t t1 = CpuTicks(pid);
  const double wall = absl::ToDoubleSeconds(absl::Now() - w0);
  const double cpu_pct = 100.0 * (t1 - t0) / sysconf(_SC_CLK_TCK) / wall;
  const int64_t rss = StatusKiB(pid, "VmRSS:"), hwm = StatusKiB(pid, "VmHWM:");
  std::printf(
      "agent with %d steady pods%s: CPU %.2f%% of one core over %.1f s (target < 2%%), "
      "RSS %.1f MiB, peak %.1f MiB (target < 128 MiB); %.1f events/s, %lld partial writes; "
      "tracked %lld, drops %lld\n",
      pods_n, caps != nullptr ? absl::StrCat(" (caps ", caps, ")").c_str() : "", cpu_pct, wall,
      rss / 1024.0, hwm / 1024.0, (Metric("events_total") - e0) / wall,
      static_cast<long long>(Metric("partials_written_total") - w0_written),
      static_cast<long long>(Metric("tracked_cgroups")),
      static_cast<long long>(Metric("drops_total")));
  EXPECT_EQ(Metric("tracked_cgroups"), pods_n);
  EXPECT_TRUE(Partial("steady").has_value());
}

}  // namespace
}  // namespace minpriv::agent::testing
