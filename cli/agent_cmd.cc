// `minpriv agent`: the node agent (agent/agent.h) on the node-wide observer. Runs until
// SIGTERM or SIGINT, then publishes what it learned and exits kExitOk; kExitUsage for bad
// flags, kExitFailure when it cannot run.
#include "cli/agent_cmd.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/agent.h"
#include "agent/break_watch.h"
#include "agent/cgroup_root.h"
#include "agent/seccomp_installer.h"
#include "cli/commands.h"
#include "kube/config.h"
#include "kube/http_endpoint.h"
#include "observer/node_observer.h"
#include "spdlog/spdlog.h"
#include "util/exit_codes.h"

namespace minpriv::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

CommandText AgentText() {
  CommandText t;
  t.name = "minpriv agent";
  t.synopsis =
      "minpriv agent --node NAME [--kubeconfig FILE] [--cgroup-root PATH] [--seccomp-dir DIR]\n"
      "                     [--metrics-addr ADDR] [--publish-interval DUR]\n"
      "                     [--include-namespace NS]... [--max-containers N] [--no-shadow]\n"
      "                     [--no-break-watch]";
  t.description =
      "The node agent (a DaemonSet): observes every container of every pod on this node from its\n"
      "first syscall, attributes it to its pod, container and workload, and writes the partial\n"
      "WorkloadProfiles (<kind>-<name>-<node>) that `minpriv controller` merges; installs the\n"
      "seccomp profiles of approved RemediationProposals under --seccomp-dir; checks proposed\n"
      "RemediationProposals against live traffic without enforcing them (shadow mode) and reports\n"
      "what they would deny in their status.shadow; reports the denials that hit workloads of\n"
      "applied proposals as their status.breaks.\n"
      "--node defaults to $NODE_NAME (the downward API); --cgroup-root to the cgroup v2 mount\n"
      "in /proc/self/mountinfo, below which kubepods.slice or kubepods is watched.\n"
      "Without --kubeconfig: $KUBECONFIG, ~/.kube/config, then the in-cluster configuration.";
  t.flag_column = 30;
  t.rest = CommandText::Rest::kNothing;
  t.error_hint = "; see 'minpriv agent --help'";
  return t;
}

absl::StatusOr<std::unique_ptr<observer::NodeObserver>> CreateNodeObserver(
    const observer::NodeOptions& options) {
  return observer::NodeObserver::Create(options);
}

}  // namespace

std::unique_ptr<CommandLine> AgentCommandLine(AgentFlags* f) {
  auto cl = std::make_unique<CommandLine>(AgentText());
  cl->AddValue("--node", &f->node, "NAME", "this node's name (default $NODE_NAME)");
  cl->AddValue("--kubeconfig", &f->kubeconfig, "FILE", "kubeconfig to use (its current context)");
  cl->AddValue("--cgroup-root", &f->cgroup_root, "PATH",
               "the cgroup v2 mount, or the kubelet's kubepods directory itself");
  cl->AddValue("--seccomp-dir", &f->seccomp_dir, "DIR",
               "the kubelet's seccomp directory, where approved proposals' profiles are "
               "installed as minpriv/<name>.json (default /var/lib/kubelet/seccomp)");
  cl->AddValue("--metrics-addr", &f->metrics_addr, "ADDR",
               "serve /metrics, /healthz, /readyz on HOST:PORT or :PORT");
  cl->AddDuration("--publish-interval", &f->publish_interval, nullptr,
                  "write a workload's partial profile at most this often (default 5s)");
  cl->AddRepeated("--include-namespace", &f->include_namespaces, "NS",
                  "learn this namespace too (kube-system is excluded by default)");
  cl->AddParsed("--max-containers", "N", "containers tracked at once (default 4096)",
                [f](const std::string& v) {
                  int n = 0;
                  if (!absl::SimpleAtoi(v, &n) || n < 1 || n > (1 << 20)) {
                    return absl::InvalidArgumentError(absl::StrCat(
                        "--max-containers: '", v, "' is not a number from 1 to 1048576"));
                  }
                  f->max_containers = n;
                  return absl::OkStatus();
                });
  cl->AddSwitch("--no-shadow", &f->no_shadow,
                "do not check proposed RemediationProposals against live traffic");
  cl->AddSwitch("--no-break-watch", &f->no_break_watch,
                "do not watch applied proposals for denials (saves the sys_exit hook's cost)");
  return cl;
}

absl::StatusOr<AgentFlags> ParseAgentFlags(int argc, char** argv,
                                           const std::map<std::string, std::string>& env) {
  AgentFlags f;
  auto cl = AgentCommandLine(&f);
  if (absl::Status s = cl->Parse(argc, argv); !s.ok()) return s;
  f.help = cl->help_requested();
  if (f.help) return f;
  if (f.node.empty()) {
    auto it = env.find("NODE_NAME");
    if (it != env.end()) f.node = it->second;
  }
  if (f.node.empty()) {
    return absl::InvalidArgumentError(
        "--node: no node name given and $NODE_NAME is not set (in a pod, set it from "
        "spec.nodeName with the downward API)");
  }
  return f;
}

int RunAgent(int argc, char** argv) {
  std::map<std::string, std::string> env;
  for (const char* name : {"NODE_NAME", "POD_NAME", "POD_NAMESPACE"}) {
    if (const char* v = std::getenv(name)) env[name] = v;
  }
  absl::StatusOr<AgentFlags> f = ParseAgentFlags(argc, argv, env);
  if (!f.ok()) {
    std::fprintf(stderr, "minpriv agent: %s\n", std::string(f.status().message()).c_str());
    return util::kExitUsage;
  }
  if (f->help) {
    AgentFlags unused;
    std::fputs(AgentCommandLine(&unused)->Help().c_str(), stdout);
    return util::kExitOk;
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  auto fail = [](const absl::Status& s) {
    spdlog::error("agent stopped error=\"{}\"", s.ToString());
    return util::kExitFailure;
  };

  std::string cgroup_root = f->cgroup_root;
  if (cgroup_root.empty()) {
    absl::StatusOr<std::string> mount = agent::Cgroup2Mount();
    if (!mount.ok()) return fail(mount.status());
    cgroup_root = *mount;
  }
  absl::StatusOr<std::string> watch = agent::FindKubepods(cgroup_root);
  if (!watch.ok()) return fail(watch.status());

  absl::StatusOr<kube::Config> config = kube::LoadDefault(f->kubeconfig, kube::EnvironmentMap());
  if (!config.ok()) return fail(config.status());
  absl::StatusOr<kube::RestClient> client = kube::RestClient::Create(*config);
  if (!client.ok()) return fail(client.status());

  agent::AgentOptions options;
  options.node = f->node;
  options.publish_interval = f->publish_interval;
  options.linger = f->publish_interval;
  options.drain_interval = f->publish_interval;
  options.shadow = !f->no_shadow;
  for (const std::string& ns : f->include_namespaces) {
    options.attribution.excluded_namespaces.erase(ns);
  }
  if (env.count("POD_NAME") && env.count("POD_NAMESPACE")) {
    options.attribution.own_pod = env["POD_NAMESPACE"] + "/" + env["POD_NAME"];
  }
  agent::Agent engine(*client, options);
  agent::SeccompInstaller installer(*client, {f->node, f->seccomp_dir});
  agent::BreakWatchOptions break_options;
  break_options.node = f->node;
  break_options.report_interval = f->publish_interval;
  agent::BreakWatch breaks(*client, break_options);

  std::atomic<bool> ready{false};
  std::unique_ptr<kube::HttpEndpoint> endpoint;
  if (!f->metrics_addr.empty()) {
    auto started = kube::HttpEndpoint::Start(
        f->metrics_addr, [&engine, &installer, &breaks, &f] {
          return engine.Metrics() + installer.Metrics() +
                 (f->no_break_watch ? std::string() : breaks.Metrics());
        },
        [&ready, &engine] { return ready.load() && engine.watching(); });
    if (!started.ok()) return fail(started.status());
    endpoint = *std::move(started);
  }
  if (absl::Status s = engine.Start(); !s.ok()) return fail(s);
  // Approved proposals' seccomp profiles, on a thread of its own (not the polling thread).
  if (absl::Status s = installer.Start(); !s.ok()) return fail(s);
  // Denials after apply: judged and reported on a thread of its own.
  if (!f->no_break_watch) {
    if (absl::Status s = breaks.Start(); !s.ok()) return fail(s);
    engine.attribution().SetDenialListener(&breaks);
  }

  observer::NodeOptions node_options;
  node_options.max_containers = static_cast<uint32_t>(f->max_containers);
  node_options.verify_mode = !f->no_break_watch;  // the denial hooks (sys_exit)
  absl::StatusOr<std::unique_ptr<observer::NodeObserver>> node_observer =
      CreateNodeObserver(node_options);
  if (!node_observer.ok()) return fail(node_observer.status());
  ready.store(true);
  spdlog::info("agent node={} cgroup-root={} watching={}", f->node, cgroup_root, *watch);
  absl::Status run = engine.Run(**node_observer, *watch, g_stop);
  breaks.Stop();
  installer.Stop();
  engine.Stop();
  if (!run.ok()) return fail(run);
  return util::kExitOk;
}

}  // namespace minpriv::cli
