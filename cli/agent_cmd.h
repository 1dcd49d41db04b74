// `minpriv agent`'s command line: its flags and usage, defined in one place.
#ifndef MINPRIV_CLI_AGENT_CMD_H_
#define MINPRIV_CLI_AGENT_CMD_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/command_line.h"

namespace minpriv::cli {

struct AgentFlags {
  std::string node;         // default $NODE_NAME
  std::string kubeconfig;   // default: $KUBECONFIG, ~/.kube/config, in-cluster
  std::string cgroup_root;  // default: the cgroup2 mount in /proc/self/mountinfo
  std::string seccomp_dir = "/var/lib/kubelet/seccomp";
  std::string metrics_addr;
  absl::Duration publish_interval = absl::Seconds(5);
  std::vector<std::string> include_namespaces;  // learn these although excluded by default
  int max_containers = 4096;
  bool no_shadow = false;  // shadow mode off (agent/shadow_check.h)
  bool no_break_watch = false;  // --no-break-watch: no denial hooks, no status.breaks
  bool help = false;
};

std::unique_ptr<CommandLine> AgentCommandLine(AgentFlags* flags);

// Parses flags (argv[0] is the subcommand name) and fills defaults from `env` (NODE_NAME).
// InvalidArgument names the bad flag; a missing node name is one.
absl::StatusOr<AgentFlags> ParseAgentFlags(int argc, char** argv,
                                           const std::map<std::string, std::string>& env);

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_AGENT_CMD_H_
