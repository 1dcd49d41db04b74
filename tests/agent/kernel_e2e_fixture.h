// The agent's end-to-end test on this kernel, where the test acts as the kubelet: the test
// API server holds the Deployments, ReplicaSets and Pods (AgentEnv); each pod's container is
// started with real runc under a kubelet-shaped cgroup below a test root in the cgroup v2
// mount (systemd or cgroupfs naming), and its container status is written after it started;
// the real `minpriv agent` process watches the test root (--cgroup-root) with real BPF.
#ifndef MINPRIV_TESTS_AGENT_KERNEL_E2E_FIXTURE_H_
#define MINPRIV_TESTS_AGENT_KERNEL_E2E_FIXTURE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/agent_test_env.h"
#include "util/process.h"
#include "verifier/bundle.h"
#include "verifier/runc.h"

namespace minpriv::agent::testing {

enum class Driver { kSystemd, kCgroupfs };

// One pod's container run by runc: its bundle and the container (deleted, with its cgroup,
// when this goes).
struct RuncPod {
  std::string name;
  std::string uid;
  std::string container_id;  // 64 hex digits
  std::string cgroup;        // absolute
  std::optional<verifier::Bundle> bundle;
  verifier::RuncContainer container;
};

class KernelE2eTest : public AgentEnv {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Pod `name` (owned by ReplicaSet `rs`) on kNode; its container `args` started with runc
  // under the kubelet's cgroup for `driver`; with `write_status`, its running status is
  // written once it started (as the kubelet does); `seccomp`: the config's linux.seccomp (as
  // the runtime sets it from a Localhost profile), null: none.
  std::unique_ptr<RuncPod> RunPod(const std::string& name, const std::string& rs,
                                  const std::vector<std::string>& args,
                                  Driver driver = Driver::kSystemd, bool write_status = true,
                                  const nlohmann::json& seccomp = nullptr);
  // The kubelet with the cgroupfs driver: kubepods/besteffort below the root, no
  // kubepods.slice (before StartAgent).
  void UseCgroupfsLayout();
  // The kubelet's status of a started container.
  void WriteStatus(const RuncPod& pod);

  // `minpriv agent --node kNode --cgroup-root root_ ... extra...`; waits for /readyz.
  void StartAgent(const std::vector<std::string>& extra = {});
  // SIGTERM and the agent's exit status (it publishes what it learned first).
  int StopAgent();
  std::string AgentLog() const;
  // GET path on the agent's metrics endpoint; "" when unreachable.
  std::string HttpGet(const std::string& path) const;
  // A metric's value from /metrics (-1 when absent).
  int64_t Metric(const std::string& name) const;

  // The partial profile of Deployment `name` on kNode, when written.
  std::optional<nlohmann::json> Partial(const std::string& deployment);
  // Its container `app`'s syscalls and exec paths.
  static std::vector<std::string> Syscalls(const nlohmann::json& partial);
  static std::vector<std::string> Execs(const nlohmann::json& partial);
  // Real-time wait for `done` (every 100 ms) up to `timeout`.
  static bool WaitFor(const std::function<bool()>& done,
                      absl::Duration timeout = absl::Seconds(30));

  static constexpr char kNode[] = "node-e2e";
  static constexpr char kNs[] = "shop";
  std::string runc_;
  std::string root_;      // the test's cgroup root (absolute): kubepods.slice and kubepods below
  std::string root_rel_;  // below the v2 mount
  int next_container_ = 1;
  int metrics_port_ = 0;
  std::string agent_log_;
  std::optional<util::Process> agent_;
};

}  // namespace minpriv::agent::testing

#endif  // MINPRIV_TESTS_AGENT_KERNEL_E2E_FIXTURE_H_
